"""A plan from draft to drawn over the API: approval, commitment, the draw once, tasks for the
officers, the inspection that completes a task, publication, and verify_draw on plan.json."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.clock import local_today
from server.draws.models import Plan
from server.extensions import db
from server.verify_draw import verify_draw
from testing.records import overload_record, sync_body

from .conftest import drawn_plan, plan_body
from .test_verify_draw import TAMPERINGS, run_bare


def _audit_actions():
    return [a for (a,) in db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.object_type.in_(["plan", "task"])).order_by(AuditEntry.seq))]


def test_a_plan_goes_from_draft_to_drawn_and_verifies(app, directory, login_as, client):
    boss, plan_id, committed, drawn = drawn_plan(login_as)
    assert committed["seed_sha256"] and "seed" not in committed
    # A: 10 x 10 % = 1, B: 6 x 20 % = ceil(1.2) = 2, C: count 1, D: default 100 % = 2
    assert [r["class"] for r in drawn["result"]] == ["A", "B", "B", "C", "D", "D"]
    assert all(len(r["officers"]) == 2 for r in drawn["result"])
    assert _audit_actions()[:4] == ["plan.created", "plan.approve", "plan.commit", "plan.draw"]
    # drawn once only
    again = boss.post(f"/api/plans/{plan_id}/draw",
                      json={"expected_status": "drawn", "witness_value": "other"})
    assert again.status_code == 409 and again.json["code"] == "plan.invalid_transition"
    # the public download is exactly what verify_draw takes
    document = client.get(f"/public/plans/{plan_id}/plan.json").json
    report = verify_draw(json.loads(json.dumps(document)), committed["commitment_digest"])
    assert report.ok, report.problems
    page = client.get(f"/public/plans/{plan_id}")
    assert page.status_code == 200 and committed["seed_sha256"] in page.text
    assert "ZJ-officer" in page.text  # 谁执法谁公示: certificate numbers


def test_stale_and_unauthorised_actions_are_refused(app, directory, login_as):
    boss = login_as("supervisor1")
    plan_id = boss.post("/api/plans", json=plan_body()).json["id"]
    stale = boss.post(f"/api/plans/{plan_id}/commit", json={"expected_status": "approved"})
    assert stale.status_code == 409 and stale.json["code"] == "plan.stale_status"
    officer = login_as("officer1").post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"})
    assert officer.status_code == 403
    admin = login_as("admin").post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"})
    assert admin.status_code == 403 and admin.json["code"] == "plan.not_supervisor"
    cancel = boss.post(f"/api/plans/{plan_id}/cancel", json={"expected_status": "draft", "reason": "范围有误"})
    assert cancel.status_code == 200 and cancel.json["status"] == "cancelled"
    assert db.session.get(Plan, plan_id).cancel_reason == "范围有误"
    late = boss.post(f"/api/plans/{plan_id}/approve", json={"expected_status": "cancelled"})
    assert late.status_code == 409 and late.json["code"] == "plan.invalid_transition"
    assert _audit_actions() == ["plan.created", "plan.cancel"]


def test_the_database_refuses_to_redraw_or_rewrite_a_commitment(app, directory, login_as):
    boss, plan_id, _, _ = drawn_plan(login_as)
    for change in ({"witness_value": "x"}, {"status": "committed", "drawn_at": None}):
        with pytest.raises(sa.exc.DatabaseError, match="cannot change"):  # the trigger
            db.session.execute(sa.update(Plan).where(Plan.id == plan_id).values(**change))
        db.session.rollback()
    other = boss.post("/api/plans", json=plan_body()).json["id"]
    boss.post(f"/api/plans/{other}/approve", json={"expected_status": "draft"})
    boss.post(f"/api/plans/{other}/commit", json={"expected_status": "approved"})
    with pytest.raises(sa.exc.DatabaseError, match="cannot change"):  # the committed seed
        db.session.execute(sa.update(Plan).where(Plan.id == other).values(seed="00" * 32))
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError, match="ck_random_plans_drawn"):  # drawn without a draw
        db.session.execute(sa.update(Plan).where(Plan.id == other).values(status="drawn"))
    db.session.rollback()


def test_tasks_reach_both_officers_and_an_inspection_completes_one(app, directory, login_as, client):
    boss, plan_id, _, drawn = drawn_plan(login_as)
    row = drawn["result"][0]
    first, second = (login_as(name) for name in row["officers"])
    mine = [t for t in first.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"]]
    theirs = [t for t in second.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"]]
    assert len(mine) == 1 and mine == theirs
    task = mine[0]
    assert task["form_id"] == "overload" and task["status"] == "open"
    record = overload_record(officers=row["officers"], plate=row["target"])
    record["subject"]["code"] = row["target"]
    synced = first.post("/api/sync", json=sync_body(record))
    assert synced.json["results"][0]["result"] == "created", synced.json
    done = first.post(f"/api/tasks/{task['id']}/completion", json={"inspection_uuid": record["uuid"]})
    assert done.status_code == 200 and done.json["status"] == "done", done.json
    twice = second.post(f"/api/tasks/{task['id']}/completion", json={"inspection_uuid": record["uuid"]})
    assert twice.status_code == 409 and twice.json["code"] == "task.already_done"
    overview = boss.get("/api/tasks").json
    assert {t["status"] for t in overview} == {"open", "done"}
    published = boss.post(f"/api/tasks/{task['id']}/publish")
    assert published.status_code == 200 and published.json["published_at"]
    again = boss.post(f"/api/tasks/{task['id']}/publish")
    assert again.status_code == 409 and again.json["code"] == "task.already_published"
    public = client.get(f"/public/plans/{plan_id}.json").json
    shown = next(r for r in public["drawn"] if r["target"] == row["target"])
    assert shown["result"]["outcome"] == "未发现问题" and shown["result"]["published_at"]


def test_the_published_plan_json_verifies_with_the_command_and_fails_on_each_tampering(
        app, directory, login_as, client, tmp_path):
    _, plan_id, committed, _ = drawn_plan(login_as)
    document = client.get(f"/public/plans/{plan_id}/plan.json").json
    digest = committed["commitment_digest"]
    path = tmp_path / "plan.json"
    path.write_bytes(client.get(f"/public/plans/{plan_id}/plan.json").data)
    run = run_bare(path, "--commitment", digest)
    assert run.returncode == 0 and "通过 the draw is verified" in run.stdout, run.stdout + run.stderr
    for tamper in TAMPERINGS:
        changed = copy.deepcopy(document)
        named = tamper(changed)
        report = verify_draw(changed, digest)
        text = "\n".join(report.problems)
        assert not report.ok and all(part in text for part in named), (tamper.__name__, text)


def test_overdue_tasks_for_supervisors_only(app, directory, login_as):
    boss = login_as("supervisor1")
    today = local_today()
    body = plan_body(period_start=(today - timedelta(days=10)).isoformat(),
                     period_end=(today - timedelta(days=1)).isoformat())
    plan_id = boss.post("/api/plans", json=body).json["id"]
    for action, status, extra in (("approve", "draft", {}), ("commit", "approved", {}),
                                  ("draw", "committed", {"witness_value": "2026-11-30 上证指数收盘 3371.12"})):
        assert boss.post(f"/api/plans/{plan_id}/{action}",
                         json={"expected_status": status, **extra}).status_code == 200
    overdue = boss.get("/api/tasks?overdue=true").json
    assert overdue and all(t["overdue"] and t["status"] == "open" for t in overdue)
    refused = login_as("officer1").get("/api/tasks")
    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_a_plan_is_public_only_once_committed(app, directory, login_as, client):
    boss = login_as("supervisor1")
    plan_id = boss.post("/api/plans", json=plan_body()).json["id"]
    assert client.get(f"/public/plans/{plan_id}.json").status_code == 404
    assert client.get(f"/public/plans/{plan_id}").status_code == 404
    boss.post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"})
    boss.post(f"/api/plans/{plan_id}/commit", json={"expected_status": "approved"})
    shown = client.get(f"/public/plans/{plan_id}/plan.json").json
    assert shown["draw"] is None and shown["commitment"]["seed_sha256"]
    assert "seed" not in json.dumps(shown).replace("seed_sha256", "")  # the secret stays secret
    assert verify_draw(shown).ok


def test_bad_plans_and_wrong_completions_are_refused(app, directory, login_as):
    boss = login_as("supervisor1")
    unknown = boss.post("/api/plans", json=plan_body(form_id="no-such-form"))
    assert unknown.status_code == 422 and unknown.json["code"] == "plan.unknown_form"
    backwards = boss.post("/api/plans", json=plan_body(period_end="2020-01-01"))
    assert backwards.status_code == 422 and "period_end" in backwards.json["errors"]
    empty = boss.post("/api/plans", json=plan_body(area_code="1101")).json["id"]  # Beijing: none here
    boss.post(f"/api/plans/{empty}/approve", json={"expected_status": "draft"})
    nothing = boss.post(f"/api/plans/{empty}/commit", json={"expected_status": "approved"})
    assert nothing.status_code == 409 and nothing.json["code"] == "plan.no_targets"

    _, _, _, drawn = drawn_plan(login_as)
    row, other = drawn["result"][0], drawn["result"][1]
    officer = login_as(row["officers"][0])
    task = next(t for t in officer.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"])
    record = overload_record(officers=row["officers"], plate=other["target"])
    record["subject"]["code"] = other["target"]
    assert officer.post("/api/sync", json=sync_body(record)).json["results"][0]["result"] == "created"
    wrong = officer.post(f"/api/tasks/{task['id']}/completion", json={"inspection_uuid": record["uuid"]})
    assert wrong.status_code == 422 and wrong.json["code"] == "task.wrong_inspection"
    outsider = next(n for n in ("officer1", "officer2", "officer3", "officer4") if n not in row["officers"])
    theirs = login_as(outsider).post(f"/api/tasks/{task['id']}/completion", json={"inspection_uuid": record["uuid"]})
    assert theirs.status_code == 404 and theirs.json["code"] == "task.not_found"
    early = boss.post(f"/api/tasks/{task['id']}/publish")
    assert early.status_code == 409 and early.json["code"] == "task.not_done"


def test_supervisors_page_shows_each_task_state(app, directory, login_as, client):
    boss = login_as("supervisor1")
    today = local_today()
    late = plan_body(period_start=(today - timedelta(days=10)).isoformat(),
                     period_end=(today - timedelta(days=1)).isoformat(), title="上月计划")
    plan_id = boss.post("/api/plans", json=late).json["id"]
    for action, status, extra in (("approve", "draft", {}), ("commit", "approved", {}),
                                  ("draw", "committed", {"witness_value": "407"})):
        boss.post(f"/api/plans/{plan_id}/{action}", json={"expected_status": status, **extra})
    page = boss.get("/plans/")
    assert page.status_code == 200
    assert page.text.count('data-state="已逾期"') == len(boss.get("/api/tasks?overdue=true").json) > 0
    assert "已抽取" in page.text
    assert login_as("officer1").get("/plans/").status_code == 403
    assert client.get("/plans/").status_code == 401
