"""One list of no-penalty grounds: 不予处罚 cites the grounds of the current, published no-penalty
list (discretion/no-penalty-v*.yaml), and the disposition keeps which version it cited."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from server import create_app
from server.cases import dispositions, grounds
from server.discretion import service as discretion
from tests.cases.conftest import approved_row

ROOT = Path(__file__).resolve().parents[2]


def test_the_grounds_offered_are_the_current_no_penalty_lists(app, personas, login_as):
    listing = next(b for b in discretion.current_benchmarks() if b.kind == "no_penalty_list")
    offered = login_as("supervisor1").get("/api/dispositions/grounds").get_json()["grounds"]
    assert [g["code"] for g in offered] == [g["code"] for g in listing.definition["grounds"]]
    assert {"minor", "first_offence", "no_fault", "time_barred"} <= {g["code"] for g in offered}
    assert {(g["list"]["id"], g["list"]["version"]) for g in offered} == {("no-penalty", listing.version)}
    # The list's entries cite its own grounds: the calculator and the disposition speak alike.
    assert {e["ground"] for e in listing.definition["entries"]} <= {g["code"] for g in offered}

    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "taxi", 2, ["service_marks"], date(2026, 9, 1))
    spared = dispositions.propose_disposition(supervisor, inspection, "service_marks", {
        "kind": "no_penalty", "ground_code": "no_fault"})
    assert spared.ground_code == "no_fault"
    assert spared.ground_text.startswith("无主观过错：《中华人民共和国行政处罚法》第三十三条第二款")
    assert spared.ground_text.endswith(f"〔《交通运输轻微违法行为不予处罚清单》第 {listing.version} 版〕")


def test_a_new_version_of_the_list_changes_the_grounds_offered(tmp_path, app_config):
    folder = tmp_path / "discretion"
    shutil.copytree(ROOT / "discretion", folder)
    newest = max(folder.glob("no-penalty-v*.yaml"), key=lambda p: int(p.stem.rsplit("v", 1)[1]))
    document = yaml.safe_load(newest.read_text(encoding="utf-8"))
    document["version"] += 1
    document["grounds"].append({"code": "provincial_list", "title": "省轻微违法行为不予处罚清单",
                                "law": "《浙江省交通运输领域轻微违法行为不予行政处罚清单》",
                                "article": "第一条", "excerpt": "清单所列事项不予处罚。"})
    (folder / f"no-penalty-v{document['version']}.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with create_app({**app_config, "DISCRETION_DIR": folder}).app_context():
        assert grounds.get_ground("provincial_list")["list"]["version"] == document["version"]
