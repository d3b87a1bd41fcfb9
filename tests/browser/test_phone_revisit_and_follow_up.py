"""防止执法扰民 and follow-up inspections (复查) on a Pixel 5.

- Offline, a task whose target the phone did not know to be recently inspected starts and is
  submitted without a reason; the server refuses it at sync (sync.revisit_reason_required), the
  record comes back in 待同步 asking for the reason, nothing is lost, and with the reason it syncs
  and completes the task.
- Online, a correction order's follow-up is in the same task list with its deadline and the
  earlier inspection; starting it asks the server for the target's recent inspections, shows them
  and asks for a reason (offered, editable); the record synced for it completes the follow-up."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server.accounts.models import User
from server.cases import dispositions
from server.cases.models import FollowUpTask
from server.clock import local_today, to_local
from server.extensions import db
from server.targets.models import InspectionTarget
from testing.records import overload_record, sync_body
from tests.cases.conftest import approved_row
from tests.draws.conftest import directory, drawn_plan, plate  # noqa: F401 (a fixture)

from .overload import fill_overload, require_server_features, start_overload_inspection, submit

DB = "(await import('/js/db.js')).openStore()"
TASKS = f"async () => (await (await {DB}).getAll('tasks'))"
OUTBOX = f"async () => (await (await {DB}).getAll('outbox'))"


def task_row(page, task_id):
    return page.locator(f"[data-role=tasks] li[data-task='{task_id}']")


def wait_task_done(phone, task_id):
    phone.wait_until(f"async () => (await ({TASKS})()).some((t) => t.id === '{task_id}' && t.status === 'done')",
                     timeout=60)


@pytest.mark.usefixtures("directory")
def test_offline_start_then_the_server_asks_for_a_reason_and_nothing_is_lost(
        make_phone, login_as, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    _, _, _, drawn = drawn_plan(login_as)
    row = next(r for r in drawn["result"] if r["officers"])
    me, partner = row["officers"]
    phone = make_phone()
    phone.login(me)
    held = phone.wait_until(f"async () => {{ const t = await ({TASKS})(); return t.length ? t : null; }}")
    task = next(t for t in held if t["subject"]["code"] == row["target"])
    assert task["recent_inspections"] == []

    # Meanwhile the partner inspects the target from another phone (the window now holds it).
    earlier = overload_record(officers=[partner, me], plate=row["target"])
    assert login_as(partner).post("/api/sync", json=sync_body(earlier)).json["results"][0]["result"] == "created"

    page = phone.page
    phone.wait_for_service_worker()
    phone.context.set_offline(True)
    phone.open("#/tasks")
    task_row(page, task["id"]).locator("[data-role=start-task]").click()
    page.wait_for_selector(".draft")
    expect(page.locator("[data-role=revisit]")).to_have_count(0)  # the phone knew of none: not blocked
    fill_overload(phone, tmp_path, subject=row["target"], started=True)
    submit(phone)

    phone.context.set_offline(False)
    page.click("#sync-button")
    phone.wait_until(f"async () => (await ({OUTBOX})()).some((e) => e.state === 'rejected' && "
                     f"e.server.code === 'sync.revisit_reason_required')", timeout=60)
    phone.open("#/outbox")
    entry = page.locator(f"li.outbox-entry[data-uuid='{task['id']}'], li.outbox-entry").first
    expect(entry).to_contain_text("再次检查须填写理由")
    fix = entry.locator("[data-role=fix]")
    expect(fix).to_have_text("填写再次检查理由后重新提交")
    fix.click()
    page.wait_for_selector(".draft")
    revisit = page.locator("[data-role=revisit]")
    expect(revisit).to_contain_text("已检查")  # the server's list of the earlier inspections
    expect(page.locator("#subject-name")).to_have_value(row["target"])
    page.click("[data-role=submit]")  # still without a reason: the phone says so before sending
    expect(revisit.locator("[data-errors-for=revisit_reason]")).to_contain_text("须填写理由")
    page.fill("#revisit-reason", "同事检查时驾驶员拒绝签字，本组按计划复核")
    submit(phone)
    page.click("#sync-button")
    wait_task_done(phone, task["id"])
    db.session.expire_all()
    named = db.session.execute(sa.select(InspectionTarget).where(
        InspectionTarget.revisit_reason.is_not(None))).scalars().one()
    assert named.revisit_reason == "同事检查时驾驶员拒绝签字，本组按计划复核"
    assert str(named.inspection_uuid) != earlier["uuid"]
    assert page.evaluate(f"async () => (await ({OUTBOX})()).length") == 0


@pytest.mark.usefixtures("directory")
def test_a_follow_up_in_the_task_list_asks_for_the_reason_online_and_completes(
        make_phone, login_as, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    target = plate("B", 2)
    supervisor, o1, o2 = (db.session.execute(sa.select(User).filter_by(username=name)).scalar_one()
                          for name in ("supervisor1", "officer1", "officer2"))
    found = approved_row([o1, o2], o1.team_id, "overload", 1, ["within_limit"], local_today() - timedelta(days=3),
                         subject=target)
    due = local_today() + timedelta(days=10)
    dispositions.propose_disposition(supervisor, found, "within_limit", {"kind": "correction", "correction_due": due})
    db.session.commit()
    row_id = db.session.execute(sa.select(FollowUpTask.id)).scalar_one()
    task_id = f"follow-up-{row_id}"
    found_on = to_local(found.started_at).date()
    db.session.commit()  # end the read: SQLite would keep the live server from writing meanwhile

    phone = make_phone()
    phone.login("officer1")
    phone.wait_until(f"async () => (await ({TASKS})()).some((t) => t.id === '{task_id}')")
    page = phone.page
    phone.open("#/tasks")
    listed = task_row(page, task_id)
    expect(listed).to_contain_text(target)
    expect(listed).to_contain_text(f"责令改正复查 · 整改期限 {due.isoformat()} · 原检查")
    expect(listed.locator("[data-role=recently-inspected]")).to_contain_text("近期已被检查 1 次")
    listed.locator("[data-role=start-task]").click()
    page.wait_for_selector(".draft")
    expect(page.locator("#subject-name")).to_have_value(target)
    revisit = page.locator("[data-role=revisit]")
    expect(revisit.locator("[data-role=recent-inspections] li")).to_have_count(1)
    offered = f"责令改正后复查（原检查 {found_on}，整改期限 {due.isoformat()}）"
    expect(page.locator("#revisit-reason")).to_have_value(offered)
    page.check("[data-role=co-officers] input[value=officer2]")
    fill_overload(phone, tmp_path, subject=target, started=True)
    submit(phone)
    page.click("#sync-button")
    wait_task_done(phone, task_id)
    db.session.expire_all()
    stored = db.session.get(FollowUpTask, row_id)
    assert stored.status == "done"
    named = db.session.get(InspectionTarget, stored.done_inspection_uuid)
    assert named is not None and named.revisit_reason.startswith("责令改正后复查")
    assert stored.done_inspection_uuid != stored.inspection_uuid


@pytest.mark.usefixtures("directory")
def test_an_ad_hoc_inspection_of_a_recently_inspected_target_asks_for_a_reason(make_phone, login_as, live_server,
                                                                                tmp_path):
    require_server_features(live_server, uploads=True)
    target = plate("C", 1)
    earlier = overload_record(officers=["officer2", "officer1"], plate=target)
    assert login_as("officer2").post("/api/sync", json=sync_body(earlier)).json["results"][0]["result"] == "created"
    db.session.commit()

    phone = make_phone()
    phone.login("officer1")
    page = phone.page
    start_overload_inspection(phone, subject=target)  # typing the plate, then the address: asked online
    revisit = page.locator("[data-role=revisit]")
    expect(revisit.locator("[data-role=recent-inspections] li")).to_have_count(1)
    fill_overload(phone, tmp_path, subject=target, started=True)
    page.click("[data-role=submit]")
    expect(revisit.locator("[data-errors-for=revisit_reason]")).to_contain_text("须填写理由")
    page.fill("#revisit-reason", "群众举报该车仍在超载运输")
    submit(phone)
    page.click("#sync-button")
    phone.wait_until(f"async () => (await (await {DB}).getAll('sent')).length === 1", timeout=60)
    db.session.expire_all()
    named = db.session.execute(sa.select(InspectionTarget).where(
        InspectionTarget.revisit_reason.is_not(None))).scalars().one()
    assert named.revisit_reason == "群众举报该车仍在超载运输" and str(named.inspection_uuid) != earlier["uuid"]
