"""Discretion files as versioned, immutable data: loading refuses mistakes, every violation of
the forms has a benchmark, publication is recorded in the audit log, and an edited published
file stops the app (like forms/)."""
import shutil

import pytest
import yaml

from server import create_app
from server.config import ROOT_DIR
from server.discretion import service
from server.discretion.loader import DiscretionDefinitionError, load_discretion_dir
from server.discretion.service import PublishedBenchmarkChanged
from server.extensions import db
from server.forms.loader import load_forms_dir

DISCRETION = ROOT_DIR / "discretion"


def _form_violations() -> set[str]:
    codes = set()

    def walk(items):
        for item in items:
            if item["type"] == "check":
                codes.add(item["violation"]["code"])
            walk(item.get("items") or [])
    for form in load_forms_dir(ROOT_DIR / "forms").values():
        for section in form.definition["sections"]:
            walk(section["items"])
    return codes


def test_every_violation_of_the_forms_has_a_benchmark():
    benchmarks = [b for b in load_discretion_dir(DISCRETION).values() if b.kind == "benchmark"]
    covered = {code for b in benchmarks for code in b.violations}
    assert _form_violations() - covered == set()
    transport = {c for b in benchmarks for c, v in b.violations.items() if v["authority"] == "transport"}
    assert {"overload.gross_mass", "taxi.ride_hailing_order", "ship_pollution.oil_discharged",
            "road_administration.spillage", "dangerous_goods.waybill",
            "road_passenger.gps_offline"} <= transport


def _copy(tmp_path):
    folder = tmp_path / "discretion"
    shutil.copytree(DISCRETION, folder)
    return folder


def _edit(path, change):
    document = yaml.safe_load(path.read_text("utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["violations"][0]["levels"][0].update(when={"log": [1]}), "non-portable JSON Logic operator 'log'"),
    (lambda d: d["violations"][0]["levels"][1].update(when={">": [{"var": "excess_mas"}, 1000]}),
     "unknown fact or step: 'excess_mas'"),
    (lambda d: d["violations"][0]["levels"][1]["penalty"].update(types=["warning", "fine"], arithmetic="{nope}"),
     "arithmetic names unknown ['nope']"),
    (lambda d: d["violations"][0]["levels"][0]["penalty"].update(types=["revocation"]), "types"),
    (lambda d: d.update(version=2), "file name must be overload-v2.yaml"),
])
def test_a_mistake_in_a_file_stops_the_load(tmp_path, change, problem):
    folder = _copy(tmp_path)
    _edit(folder / "overload-v1.yaml", change)
    with pytest.raises(DiscretionDefinitionError, match="overload-v1.yaml") as refused:
        load_discretion_dir(folder)
    assert problem in str(refused.value)


def test_the_no_penalty_list_names_only_this_bureaus_violations(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "no-penalty-v2.yaml", lambda d: d["entries"][0].update(code="road_passenger.seatbelts"))
    with pytest.raises(DiscretionDefinitionError, match="no benchmark of this bureau"):
        load_discretion_dir(folder)


def test_published_versions_are_kept_in_the_audit_log_and_never_changed(app, app_config, tmp_path, runner):
    result = runner.invoke(args=["discretion", "publish"])
    assert result.exit_code == 0 and "published overload v1" in result.output
    again = runner.invoke(args=["discretion", "publish"])
    assert "0 new, 8 already published" in again.output
    with app.app_context():
        published = service.published_hashes()
        assert published[("overload", 1)] == service.get_benchmark_version("overload", 1).content_hash
        db.session.remove()
    # The file is edited after publication: the app refuses to start, naming the file.
    folder = _copy(tmp_path)
    _edit(folder / "overload-v1.yaml", lambda d: d["violations"][0]["levels"][1]["penalty"].update(
        let=[{"name": "units", "value": 1}, {"name": "uncapped", "value": 400}]))
    with pytest.raises(PublishedBenchmarkChanged, match="overload version 1 was published"):
        create_app({**app_config, "DISCRETION_DIR": folder})
    # Its file removed and a v2 in its place, v1 is still served from its publication entry.
    (folder / "overload-v1.yaml").rename(folder / "overload-v2.yaml")
    _edit(folder / "overload-v2.yaml", lambda d: d.update(version=2))
    newer = create_app({**app_config, "DISCRETION_DIR": folder})
    with newer.app_context():
        old = service.get_benchmark_version("overload", 1)
        assert old.content_hash == published[("overload", 1)] and old.source.endswith("(published)")
        assert service.find_violation("overload.gross_mass")[0].version == 2
        db.session.remove()
