"""Tasks (检查任务): each drawn target for its pair of officers, with form, subject and deadline;
completed by the inspection synced with the task's id; its result published (一公开).
"""
from __future__ import annotations

import uuid as uuidlib

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import local_today, to_local, utcnow
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from ..targets.models import Target
from .models import Plan, Task
from .redaction import redact

SUBJECT_KIND = {"vehicle": "vehicle", "ship": "ship"}  # any other category is a business


def create_tasks(user: User, plan: Plan) -> list[Task]:
    keys = [row["target"] for row in plan.result if row["officers"]]
    targets = {t.key: t for t in db.session.execute(
        sa.select(Target).where(Target.key.in_(keys))).unique().scalars()}
    users = {u.username: u for u in db.session.execute(sa.select(User).where(
        User.username.in_({o for row in plan.result for o in row["officers"]}))).unique().scalars()}
    tasks = []
    for row in plan.result:
        if not row["officers"]:
            continue
        target = targets[row["target"]]
        first, second = (users[o] for o in row["officers"])
        task = Task(id=uuidlib.uuid4(), plan_id=plan.id, target_id=target.id, form_id=plan.form_id,
                    subject={"kind": SUBJECT_KIND.get(target.category, "business"),
                             "name": target.name, "code": target.key,
                             "description": target.address},
                    officer1_id=first.id, officer2_id=second.id, due_on=plan.period_end,
                    status="open", created_at=utcnow())
        db.session.add(task)
        tasks.append(task)
    db.session.flush()
    for task in tasks:
        record_event("task.created", actor=user, object_type="task", object_id=task.id,
                     details={"plan": plan.id, "target": task.subject["code"],
                              "officers": [task.officer1.username, task.officer2.username],
                              "due_on": task.due_on.isoformat()})
    return tasks


def tasks_of(user: User) -> list[Task]:
    return list(db.session.execute(sa.select(Task).where(
        sa.or_(Task.officer1_id == user.id, Task.officer2_id == user.id))
        .order_by(Task.due_on, Task.created_at)).unique().scalars())


def task_overview(user: User, overdue_only: bool = False) -> list[Task]:
    """For a supervisor: tasks of plans they may see (all here), overdue first when asked."""
    query = sa.select(Task).order_by(Task.due_on, Task.created_at)
    if overdue_only:
        query = query.where(Task.status == "open", Task.due_on < local_today())
    return list(db.session.execute(query).unique().scalars())


def complete_with(user: User, task: Task, inspection: Inspection) -> None:
    """The phone reports the inspection it synced for this task: it completes the task when one
    of the task's officers took part in it, with the task's form and subject."""
    officer_ids = {o.user_id for o in inspection.officers}
    if user.id not in {task.officer1_id, task.officer2_id}:
        raise ApiError("task.not_found")
    if task.status != "open":
        raise ApiError("task.already_done")
    if (inspection.form_id != task.form_id or inspection.subject_code != task.subject["code"]
            or not {task.officer1_id, task.officer2_id} & officer_ids or user.id not in officer_ids):
        raise ApiError("task.wrong_inspection")
    complete_task(task, inspection)


def complete_task(task: Task, inspection: Inspection) -> None:
    task.status, task.inspection_uuid, task.done_at = "done", inspection.uuid, utcnow()
    db.session.flush()
    record_event("task.completed", actor_username=inspection.submitted_by.username,
                 object_type="task", object_id=task.id,
                 details={"inspection": str(inspection.uuid)})


def public_result_of(inspection: Inspection) -> dict:
    """未发现问题 / 发现问题 with the findings (failed check items, labels and comments redacted)."""
    from ..forms import service as forms

    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    findings = []
    for item_id, answer in (inspection.answers or {}).items():
        if isinstance(answer, dict) and answer.get("result") == "fail":
            ref = form.items.get(item_id) if form else None
            label = ref.item.get("label", item_id) if ref is not None else item_id
            findings.append({"item": item_id, "label": str(label), "note": str(answer.get("note") or "")})
    private = frozenset({inspection.subject_name} if inspection.subject_kind == "person" else ())
    return {"outcome": "发现问题" if findings or inspection.failed_checks else "未发现问题",
            "findings": redact(findings, private),
            "inspected_on": to_local(inspection.started_at).date().isoformat()}


def publish_result(user: User, task: Task) -> None:
    if not user.has_role("supervisor"):
        raise ApiError("plan.not_supervisor")
    if task.status != "done":
        raise ApiError("task.not_done")
    if task.published_at is not None:
        raise ApiError("task.already_published")
    inspection = db.session.get(Inspection, task.inspection_uuid)
    task.public_result = public_result_of(inspection)
    task.published_at, task.published_by_id = utcnow(), user.id
    db.session.flush()
    record_event("task.published", actor=user, object_type="task", object_id=task.id,
                 details={"public_result": task.public_result})
