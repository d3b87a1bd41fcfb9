"""Fixtures: an app on a fresh, migrated database per test (SQLite, or PostgreSQL when
FIELDCASE_TEST_DATABASE_URL is set), named personas, and logged-in clients per role."""
from __future__ import annotations

import itertools
import os
import shutil
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from server import create_app
from server.clock import local_today
from server.extensions import db
from testing import FAST_HASHING, PASSWORD, ROOT  # noqa: F401 (ROOT: re-exported, tests import it)
from testing.accounts import login_test_client
from testing.live import LiveServer, free_port, gunicorns, start_gunicorn, stop_gunicorn  # noqa: F401 (old names)

PG_URL = os.environ.get("FIELDCASE_TEST_DATABASE_URL")
# FIELDCASE_TEST_EVIDENCE_STORE=s3: every app (and gunicorn) keeps evidence in a real SeaweedFS.
EVIDENCE_STORE = os.environ.get("FIELDCASE_TEST_EVIDENCE_STORE", "local")

_counter = itertools.count()

TESTS = Path(__file__).resolve().parent
# Folders whose every test carries a marker (see pytest.ini).
MARKED_FOLDERS = {"browser": "browser", "chaos": "chaos"}
# Fixtures that start gunicorn; a test module that imports start_gunicorn is `live` too.
LIVE_FIXTURES = {"live_server", "gunicorn_with"}


def pytest_collection_modifyitems(items):
    """Mark each test by where it lives and what it uses, so that `-m "not browser and not live
    and not chaos and not bench"` (make test-fast) leaves only the in-process tests. A test that
    starts a server some other way says so itself (`pytestmark = pytest.mark.live`)."""
    for item in items:
        path = Path(str(item.fspath)).resolve()
        parts = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
        if parts and parts[0] in MARKED_FOLDERS:
            item.add_marker(MARKED_FOLDERS[parts[0]])
        uses_server = LIVE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses_server or getattr(getattr(item, "module", None), "start_gunicorn", None) is start_gunicorn:
            item.add_marker("live")


def _pg_admin_url(dbname: str) -> str:
    return sa.engine.make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)


def _migrate(url: str, storage: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database to copy for each test: a file (SQLite) or a template (PostgreSQL)."""
    storage = tmp_path_factory.mktemp("template")
    if PG_URL:
        name = f"fc_template_{os.getpid()}"
        admin = sa.create_engine(_pg_admin_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _migrate(_pg_admin_url(name), storage)
        yield {"kind": "postgresql", "name": name, "admin": admin}
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    else:
        path = storage / "template.sqlite3"
        _migrate(f"sqlite:///{path}", storage)
        yield {"kind": "sqlite", "path": path}


@contextmanager
def fresh_database(template: dict, folder: Path, prefix: str = "fc_test"):
    """The URL of a fresh migrated database copied from the session's template (a file in
    `folder` on SQLite, a database made from the template on PostgreSQL), dropped afterwards."""
    if template["kind"] == "sqlite":
        path = folder / "fieldcase.sqlite3"
        shutil.copyfile(template["path"], path)
        yield f"sqlite:///{path}"
        return
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    admin = template["admin"]
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template["name"]}"'))
    try:
        yield _pg_admin_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(database_template, tmp_path):
    """The URL of a fresh database for this test, dropped afterwards."""
    with fresh_database(database_template, tmp_path) as url:
        yield url


@pytest.fixture
def storage_dir(tmp_path) -> Path:
    path = tmp_path / "storage"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real SeaweedFS on loopback for the session (testing/seaweedfs.py)."""
    from testing.seaweedfs import running_seaweedfs

    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as store:
        yield store


@pytest.fixture
def evidence_store_config(request) -> dict:
    """The evidence store's settings: {} (local) or fresh SeaweedFS buckets, as
    FIELDCASE_TEST_EVIDENCE_STORE says."""
    if EVIDENCE_STORE == "local":
        return {}
    if EVIDENCE_STORE != "s3":
        raise RuntimeError(f"FIELDCASE_TEST_EVIDENCE_STORE={EVIDENCE_STORE!r}: 'local' or 's3'")
    return request.getfixturevalue("seaweedfs").settings()


@pytest.fixture
def app_config(database_url, storage_dir, evidence_store_config) -> dict:
    """Settings of the app under test; a test may change them before `app` is built."""
    return {"SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_DIR": storage_dir,
            "TESTING": True, **FAST_HASHING, **evidence_store_config}


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = ApiClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class ApiClient(FlaskClient):
    """A test client that sends the CSRF token it got at login, as the PWA does."""

    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        if self.csrf_token:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.csrf_token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def login(self, username: str, password: str = PASSWORD):
        self.csrf_token = login_test_client(self, username, password)


@pytest.fixture
def client(app) -> ApiClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app):
    """Factory: a user with sensible defaults (an officer of team A with a valid certificate)."""
    from server.accounts import service

    def make(username, *, roles=("officer",), team="A", certificate="valid", password=PASSWORD,
             display_name=None):
        for code in {team} - {None} - {t.code for t in service.list_teams()}:
            service.create_team(code, f"执法{code}中队")
        today = local_today()
        cert = {
            "valid": ("330424" + username, today - timedelta(days=30), today + timedelta(days=365)),
            # ended two days ago: a record started an hour ago is dated yesterday just after midnight
            # in Shanghai, a day a certificate ending yesterday still covered
            "expired": ("330424" + username, today - timedelta(days=800), today - timedelta(days=2)),
            None: (None, None, None),
        }[certificate]
        user = service.create_user(username, password, display_name=display_name or username,
                                   roles=list(roles), team_code=team, certificate_number=cert[0],
                                   certificate_valid_from=cert[1], certificate_valid_until=cert[2])
        db.session.commit()
        return user

    return make


PERSONAS = {
    "officer1": dict(roles=("officer",), team="A"),
    "officer2": dict(roles=("officer",), team="A"),
    "officer3": dict(roles=("officer",), team="B"),
    "supervisor1": dict(roles=("supervisor",), team="A", certificate=None),
    "reviewer1": dict(roles=("legal_reviewer",), team=None, certificate=None),
    "admin": dict(roles=("admin",), team=None, certificate=None),
}


@pytest.fixture
def personas(create_user) -> dict:
    """The named cast: two officers of team A, one of team B, a supervisor of A, a legal
    reviewer and an admin."""
    return {name: create_user(name, **kw) for name, kw in PERSONAS.items()}


@pytest.fixture
def login_as(app, personas):
    """Factory: a fresh client logged in as one of the personas."""
    def make(username: str) -> ApiClient:
        client = app.test_client()
        client.login(username)
        return client
    return make


# --- a real gunicorn on loopback ------------------------------------------------------------------

@pytest.fixture
def gunicorn_with(app, personas, database_url, storage_dir, tmp_path, evidence_store_config):
    """Factory: the app under gunicorn on this test's database and evidence store, personas
    created, with extra FIELDCASE_* settings (`gunicorn_with(SECURE_COOKIES=1)`); all stopped
    afterwards."""
    with gunicorns(database_url, storage_dir, tmp_path) as start:
        def start_fresh(**settings):
            db.session.remove()  # what this test wrote is committed; gunicorn opens its own
            return start(**{**evidence_store_config, **settings})
        yield start_fresh


@pytest.fixture
def live_server(gunicorn_with):
    """The app under gunicorn on a loopback port, on this test's database, personas created."""
    return gunicorn_with()
