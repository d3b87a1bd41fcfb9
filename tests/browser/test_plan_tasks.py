"""Issue 14 on two Pixel 5 phones: a drawn plan's task reaches both officers of its pair with the
sync, shows offline, starts the form with the subject and the partner filled in, and the record
synced for it completes the task on the server and on the other phone."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from server.draws.models import Task
from server.extensions import db
from server.targets.models import InspectionTarget
from tests.draws.conftest import directory, drawn_plan  # noqa: F401 (a fixture)

from .overload import fill_overload, require_server_features, submit

DB = "(await import('/js/db.js')).openStore()"
TASKS = f"async () => (await (await {DB}).getAll('tasks'))"


def task_row(page, task_id):
    return page.locator(f"[data-role=tasks] li[data-task='{task_id}']")


@pytest.mark.usefixtures("directory")
def test_two_phones_get_the_task_and_the_synced_inspection_completes_it(make_phone, login_as, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    _, plan_id, _, drawn = drawn_plan(login_as)
    row = next(r for r in drawn["result"] if r["class"] == "A")
    first, second = make_phone(), make_phone()
    for phone, username in ((first, row["officers"][0]), (second, row["officers"][1])):
        phone.login(username)
        held = phone.wait_until(f"async () => {{ const t = await ({TASKS})(); return t.length ? t : null; }}")
        assert row["target"] in [t["subject"]["code"] for t in held], held
    task_id = next(t["id"] for t in first.idb("tasks") if t["subject"]["code"] == row["target"])

    # Offline the next morning: the task list opens from the phone's own store.
    page = first.page
    first.wait_for_service_worker()
    first.context.set_offline(True)
    first.open("#/tasks")
    expect(task_row(page, task_id)).to_contain_text(row["target"])
    expect(task_row(page, task_id).locator(".status")).to_have_text("待检查")
    task_row(page, task_id).locator("[data-role=start-task]").click()
    page.wait_for_selector(".draft")
    expect(page.locator("#subject-name")).to_have_value(row["target"])
    partner = row["officers"][1]
    expect(page.locator(f"[data-role=co-officers] input[value={partner}]")).to_be_checked()
    fill_overload(first, tmp_path, subject=row["target"], started=True)
    submit(first)

    # Back online: the record syncs, and the task is completed on the server.
    first.context.set_offline(False)
    first.page.click("#sync-button")
    first.wait_until(f"async () => (await ({TASKS})()).some((t) => t.id === '{task_id}' && t.status === 'done')",
                     timeout=60)
    db.session.expire_all()
    task = db.session.get(Task, uuid.UUID(task_id))
    assert task.status == "done" and task.inspection_uuid is not None
    named = db.session.get(InspectionTarget, task.inspection_uuid)
    assert named is not None and named.target_id == task.target_id  # the record names the target

    # The partner's phone shows it done after its next sync.
    second.open("#/tasks")
    second.page.click("#sync-button")
    second.wait_until(f"async () => (await ({TASKS})()).some((t) => t.id === '{task_id}' && t.status === 'done')",
                      timeout=60)
    expect(task_row(second.page, task_id).locator(".status")).to_have_text("已完成")
