"""What building the app costs every CLI command, gunicorn worker and test app: libraries only
some commands use are imported when those commands run, and they still work."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml

from server import create_app
from server.extensions import db

ROOT = Path(__file__).resolve().parent.parent

# Imported by `flask db …` and the migrations alone (Alembic brings Mako and Pygments).
MIGRATION_ONLY = ("flask_migrate", "alembic", "mako", "pygments")


def _imported_by_create_app(database_url: str, storage_dir: Path) -> set[str]:
    """The modules a fresh process holds after create_app() (a CLI command's start-up)."""
    probe = ("import json, sys; from server import create_app; create_app(); "
             "print(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "FIELDCASE_DATABASE_URL": database_url,
           "FIELDCASE_STORAGE_DIR": str(storage_dir)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_building_the_app_imports_no_migration_library(database_url, storage_dir):
    modules = _imported_by_create_app(database_url, storage_dir)
    assert "server.audit.cli" in modules  # the app was built, CLI commands and all
    loaded = sorted(name for name in modules if name.split(".")[0] in MIGRATION_ONLY)
    assert loaded == []


def test_flask_db_still_migrates_and_reports(app, runner):
    head = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    db.session.remove()  # the migrations write: this test holds no transaction meanwhile
    listed = runner.invoke(args=["--help"])
    assert "Perform database migrations." in listed.output
    downgraded = runner.invoke(args=["db", "downgrade", "--", "-1"])
    assert downgraded.exit_code == 0, downgraded.output
    db.session.remove()
    assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() != head
    db.session.remove()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    db.session.remove()
    assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == head


def test_a_second_app_reads_the_discretion_files_again_only_once_they_changed(app_config, tmp_path,
                                                                             monkeypatch):
    from server.config import Config
    from server.discretion import loader, service

    folder = tmp_path / "discretion"
    shutil.copytree(Config().DISCRETION_DIR, folder)
    read = []
    real_read = loader.read_benchmark_file
    monkeypatch.setattr(loader, "read_benchmark_file", lambda path, *rest: read.append(path.name)
                        or real_read(path, *rest))
    config = {**app_config, "DISCRETION_DIR": folder}
    first = create_app(config)
    files = sorted(p.name for p in folder.glob("*.yaml"))
    assert sorted(read) == files
    second = create_app(config)
    assert sorted(read) == files  # nothing read twice
    with second.app_context():
        assert {b.id for b in service.list_benchmarks()} == {b.id for b in _benchmarks(first)}
    edited = folder / files[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    create_app(config)
    assert sorted(read) == sorted(files + files)  # an edited folder is read again, whole


def _benchmarks(app):
    from server.discretion import service

    with app.app_context():
        return service.list_benchmarks()


def test_document_types_read_with_libyaml_are_those_the_python_reader_gives(app_config, monkeypatch):
    from server.config import Config
    from server.documents import types

    folder = Path(Config().DOCUMENTS_DIR)
    assert types._YAML_LOADER is yaml.CSafeLoader  # libyaml is there (PyYAML's wheel has it)
    fast = types.load_types(folder)
    monkeypatch.setattr(types, "_YAML_LOADER", yaml.SafeLoader)
    assert types.load_types(folder) == fast and len(fast) >= 5
