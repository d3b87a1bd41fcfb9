"""防止执法扰民: before inspecting a target the phone asks for its recent inspections; a record
naming a target inspected within the window must say why, and the reason is kept with the
record. Records naming no target (ad-hoc, old app versions) sync as before and still count in
the target's history through the plate or credit code they carry."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from server.extensions import db
from server.targets.models import InspectionTarget, Target
from tests.audit.tampering import tamper
from tests.factories import SHANGHAI, overload_record, sync_body

from .files import HUAWEI, good_rows, xlsx
from .test_import import upload


def sync(client, *records):
    answer = client.post("/api/sync", json=sync_body(*records))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"]


def days_ago(days: int) -> datetime:
    return datetime.now(SHANGHAI) - timedelta(days=days)


def load_directory(login_as) -> dict[str, int]:
    assert upload(login_as("admin"), xlsx(good_rows()), "名录.xlsx").status_code == 200
    return {t.key: t.id for t in db.session.execute(sa.select(Target)).scalars()}


def test_a_recently_inspected_target_needs_a_reason_which_the_record_keeps(login_as, runner):
    ids = load_directory(login_as)
    officer = login_as("officer1")
    # An ad-hoc record as phones send them today: the plate, typed with a space, no target.
    [old] = sync(officer, overload_record(plate="浙F 12345", started_at=days_ago(10)))
    assert old["result"] == "created"

    recent = officer.get("/api/targets/recent", query_string={"key": "浙f12345"}).get_json()
    assert recent["target"]["id"] == ids["浙F12345"] and recent["window_days"] == 30, recent
    assert [i["uuid"] for i in recent["inspections"]] == [old["uuid"]]
    assert recent["reason_required"] is True

    without = overload_record(target_id=ids["浙F12345"])
    [refused] = sync(officer, without)
    assert refused["result"] == "rejected" and refused["code"] == "sync.revisit_reason_required"
    assert "近 30 天内已被检查 1 次" in refused["detail"]
    assert "已检查（overload）" in refused["errors"]["revisit_reason"][0]

    reason = "群众举报该车近日多次超载，复查。"
    [created] = sync(officer, {**without, "revisit_reason": reason})
    assert created["result"] == "created", created
    link = db.session.get(InspectionTarget, __import__("uuid").UUID(created["uuid"]))
    assert (link.target_id, link.revisit_reason, link.recent_inspections) == (
        ids["浙F12345"], reason, [old["uuid"]])

    history = login_as("supervisor1").get(f"/api/targets/{ids['浙F12345']}/inspections").get_json()
    assert [(h["uuid"], h["revisit_reason"]) for h in history] == [
        (created["uuid"], reason), (old["uuid"], None)]

    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper("UPDATE inspection_targets SET revisit_reason = '例行检查'")
    result = runner.invoke(args=["audit", "verify"])
    assert f"inspection_targets {created['uuid']}: altered: revisit_reason" in result.output


def test_outside_the_window_or_never_inspected_no_reason_is_asked(login_as, app):
    ids = load_directory(login_as)
    officer = login_as("officer1")
    app.config["TARGET_REVISIT_WINDOW_DAYS"] = 20
    [old] = sync(officer, overload_record(started_at=days_ago(25)))
    assert old["result"] == "created", old
    assert officer.get("/api/targets/recent", query_string={"target_id": ids["浙F12345"]}
                       ).get_json()["reason_required"] is False
    [created] = sync(officer, overload_record(target_id=ids["浙F12345"]))
    assert created["result"] == "created", created
    [first] = sync(officer, overload_record(target_id=ids[HUAWEI], plate="浙F00001"))
    assert first["result"] == "created", first
    app.config["TARGET_REVISIT_WINDOW_DAYS"] = 30
    [refused] = sync(officer, overload_record(target_id=ids["浙F12345"], plate="浙F12345"))
    assert refused["code"] == "sync.revisit_reason_required"
    assert len(refused["errors"]["revisit_reason"]) == 2


def test_unknown_targets_and_stray_reasons_are_refused(login_as):
    load_directory(login_as)
    officer = login_as("officer1")
    [unknown] = sync(officer, overload_record(target_id=99999))
    assert unknown["code"] == "sync.unknown_target"
    [stray] = sync(officer, overload_record(revisit_reason="复查"))
    assert stray["code"] == "sync.invalid_record" and "revisit_reason" in stray["errors"]
    missing = officer.get("/api/targets/recent", query_string={"key": "浙F99999"}).get_json()
    assert missing == {"target": None, "window_days": 30, "inspections": [], "reason_required": False}


def test_who_may_read_the_directory(login_as):
    ids = load_directory(login_as)
    assert login_as("officer1").get("/api/targets").status_code == 403
    assert login_as("supervisor1").get(f"/api/targets/{ids[HUAWEI]}").get_json()["credit_class"] == "A"
    assert login_as("admin").get("/api/targets/recent", query_string={"key": HUAWEI}).status_code == 403


def test_two_records_of_one_target_in_one_batch(login_as):
    ids = load_directory(login_as)
    officer = login_as("officer1")
    first = overload_record(target_id=ids["浙F12345"], started_at=days_ago(1))
    second = overload_record(target_id=ids["浙F12345"])
    created, refused = sync(officer, first, second)
    assert created["result"] == "created", created
    assert refused["code"] == "sync.revisit_reason_required", refused
    [again] = sync(officer, {**second, "revisit_reason": "同日复查整改情况"})
    assert again["result"] == "created"
