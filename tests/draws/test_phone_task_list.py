"""The phone's one task list (GET /api/tasks?assignee=me): draw tasks carry their target's recent
inspections (防止执法扰民, for the phone to ask a reason offline), and a correction order's
follow-up inspection (复查) is listed with its deadline and the earlier inspection for the team's
officers, and completed like a draw task by the inspection synced for it."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from server.cases import dispositions
from server.cases.models import FollowUpTask
from server.clock import local_today
from server.database import write_intent
from server.extensions import db
from testing.records import overload_record, sync_body
from tests.cases.conftest import approved_row, vouched_problems

from .conftest import drawn_plan


def test_a_draw_task_carries_its_targets_recent_inspections(app, directory, login_as):
    _, _, _, drawn = drawn_plan(login_as)
    row = next(r for r in drawn["result"] if r["officers"])
    officer = login_as(row["officers"][0])
    task = next(t for t in officer.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"])
    assert task["kind"] == "draw" and task["recent_inspections"] == []
    assert task["completion_url"] == f"/api/tasks/{task['id']}/completion"
    earlier = overload_record(officers=row["officers"], plate=row["target"])
    assert officer.post("/api/sync", json=sync_body(earlier)).json["results"][0]["result"] == "created"
    task = next(t for t in officer.get("/api/tasks?assignee=me").json if t["id"] == task["id"])
    assert [i["uuid"] for i in task["recent_inspections"]] == [earlier["uuid"]]


def test_a_follow_up_is_in_the_teams_task_list_and_completes_like_a_draw_task(app, personas, login_as):
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    found = approved_row([o1, o2], o1.team_id, "overload", 1, ["within_limit"], local_today() - timedelta(days=3),
                         subject="浙F12345")
    due = local_today() + timedelta(days=10)
    with write_intent(True):  # the correction's notice is a numbered document: a writer's work
        dispositions.propose_disposition(supervisor, found, "within_limit",
                                         {"kind": "correction", "correction_due": due})
        db.session.commit()
    row_id = db.session.execute(sa.select(FollowUpTask.id)).scalar_one()

    phone = login_as("officer2")
    listed = [t for t in phone.get("/api/tasks?assignee=me").json if t["kind"] == "follow_up"]
    assert len(listed) == 1, listed
    task = listed[0]
    assert task["id"] == f"follow-up-{row_id}" and task["due_on"] == due.isoformat() and task["status"] == "open"
    assert task["subject"]["name"] == "浙F12345" and task["form_id"] == "overload"
    earlier = task["earlier_inspection"]
    assert earlier["uuid"] == str(found.uuid) and earlier["item_id"] == "within_limit"
    assert task["plan_title"] == "责令改正复查" and "整改期限" in task["suggested_revisit_reason"]
    assert not [t for t in login_as("officer3").get("/api/tasks?assignee=me").json if t["kind"] == "follow_up"]

    other = overload_record(officers=["officer2", "officer1"], plate="浙F99999")
    again = overload_record(officers=["officer2", "officer1"], plate="浙F12345")
    synced = phone.post("/api/sync", json=sync_body(other, again)).json["results"]
    assert [r["result"] for r in synced] == ["created", "created"], synced
    wrong = phone.post(task["completion_url"], json={"inspection_uuid": other["uuid"]})
    assert wrong.status_code == 422 and wrong.json["code"] == "task.wrong_inspection"
    elsewhere = login_as("officer3").post(task["completion_url"], json={"inspection_uuid": again["uuid"]})
    assert elsewhere.status_code == 404 and elsewhere.json["code"] == "task.not_found"
    done = phone.post(task["completion_url"], json={"inspection_uuid": again["uuid"]})
    assert done.status_code == 200 and done.json["status"] == "done", done.json
    twice = login_as("officer1").post(task["completion_url"], json={"inspection_uuid": again["uuid"]})
    assert twice.status_code == 409 and twice.json["code"] == "task.already_done"
    listed = [t for t in phone.get("/api/tasks?assignee=me").json if t["kind"] == "follow_up"]
    assert [(t["id"], t["status"]) for t in listed] == [(task["id"], "done")]  # shown done, as draw tasks are
    db.session.expire_all()
    stored = db.session.get(FollowUpTask, row_id)
    assert (stored.status, str(stored.done_inspection_uuid)) == ("done", again["uuid"])
    assert vouched_problems() == []
