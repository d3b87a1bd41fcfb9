"""Plans and tasks API: thin views over service.py and tasks.py."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g

from ..accounts import auth
from ..cases.models import FollowUpTask
from ..clock import local_today
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from ..schemas import Blueprint
from . import follow_ups, publication, service, tasks
from .models import Plan, Task
from .schemas import (
    CancelSchema,
    CompletionSchema,
    DrawSchema,
    ExpectingSchema,
    PlanCreateSchema,
    PlanSchema,
    PublicationDueSchema,
    TaskQuerySchema,
    TaskSchema,
)

blp = Blueprint("draws", __name__, url_prefix="/api",
                description="Random inspection plans (双随机), the draw and its tasks")
STAFF = ("supervisor", "admin")


def _moved(plan_id: int, action, *args):
    """The plan after `action(user, plan, expected_status, …)`: one of its transitions."""
    plan = service.get_plan(plan_id)
    action(g.user, plan, *args)
    return plan


@blp.route("/plans", methods=["POST"])
@blp.arguments(PlanCreateSchema)
@blp.response(201, PlanSchema)
@auth.roles_required(*STAFF)
def create_plan(data):
    """Create a draft plan (supervision item, scope, share per class, window, period)."""
    return service.create_plan(g.user, data)


@blp.route("/plans", methods=["GET"])
@blp.response(200, PlanSchema(many=True))
@auth.roles_required(*STAFF)
def list_plans():
    """Every plan, newest first, cancelled ones included."""
    return db.session.execute(sa.select(Plan).order_by(Plan.id.desc())).unique().scalars().all()


@blp.route("/plans/<id:plan_id>", methods=["GET"])
@blp.response(200, PlanSchema)
@auth.roles_required(*STAFF)
def show_plan(plan_id):
    """One plan (its secret seed never leaves before the draw)."""
    return service.get_plan(plan_id)


@blp.route("/plans/<id:plan_id>/approve", methods=["POST"])
@blp.arguments(ExpectingSchema)
@blp.response(200, PlanSchema)
@auth.roles_required(*STAFF)
def approve_plan(data, plan_id):
    """Approve a draft plan (a supervisor)."""
    return _moved(plan_id, service.approve_plan, data["expected_status"])


@blp.route("/plans/<id:plan_id>/commit", methods=["POST"])
@blp.arguments(ExpectingSchema)
@blp.response(200, PlanSchema)
@auth.roles_required(*STAFF)
def commit_plan(data, plan_id):
    """Commit: freeze the input lists, draw the secret seed, publish their SHA-256."""
    return _moved(plan_id, service.commit_plan, data["expected_status"])


@blp.route("/plans/<id:plan_id>/draw", methods=["POST"])
@blp.arguments(DrawSchema)
@blp.response(200, PlanSchema)
@auth.roles_required(*STAFF)
def draw_plan(data, plan_id):
    """Draw once with the witness's public value; reveal the seed; make the tasks."""
    return _moved(plan_id, service.draw_plan, data["expected_status"], data["witness_value"])


@blp.route("/plans/<id:plan_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200, PlanSchema)
@auth.roles_required(*STAFF)
def cancel_plan(data, plan_id):
    """Cancel before the draw, with a reason (the plan stays on record)."""
    return _moved(plan_id, service.cancel_plan, data["expected_status"], data["reason"])


@blp.route("/tasks", methods=["GET"])
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskSchema(many=True))
@auth.login_required
def list_tasks(query):
    """`assignee=me`: the phone's one list: my draw tasks and my team's follow-up inspections
    (`kind`), with the targets' recent inspections; otherwise, for supervisors, every draw task
    (`overdue=true`: open past their deadline)."""
    if query.get("assignee") == "me":
        return follow_ups.my_tasks(g.user)
    if not g.user.has_role(*STAFF):
        raise ApiError("auth.forbidden")
    return tasks.task_overview(g.user, bool(query.get("overdue")))


@blp.route("/tasks/unpublished", methods=["GET"])
@blp.response(200, PublicationDueSchema(many=True))
@auth.roles_required(*STAFF)
def unpublished_results():
    """一公开: results of done tasks not yet public, with the limit (20 working days after the
    inspection) and the working days left; overdue and near-limit first."""
    return publication.unpublished_results(local_today())


@blp.route("/tasks/<uuid:task_id>/completion", methods=["POST"])
@blp.arguments(CompletionSchema)
@blp.response(200, TaskSchema)
@auth.roles_required("officer")
def complete_task(data, task_id):
    """Complete my task with the inspection I synced for it."""
    task = db.session.get(Task, task_id)
    inspection = db.session.get(Inspection, data["inspection_uuid"])
    if task is None or inspection is None:
        raise ApiError("task.not_found")
    tasks.complete_with(g.user, task, inspection)
    return task


@blp.route("/follow-up-tasks/<id:task_id>/completion", methods=["POST"])
@blp.arguments(CompletionSchema)
@blp.response(200, TaskSchema)
@auth.roles_required("officer")
def complete_follow_up(data, task_id):
    """Complete my team's follow-up inspection (复查) with the inspection I synced for it."""
    row = db.session.get(FollowUpTask, task_id)
    inspection = db.session.get(Inspection, data["inspection_uuid"])
    if row is None or inspection is None:
        raise ApiError("task.not_found")
    follow_ups.complete_follow_up(g.user, row, inspection)
    return follow_ups.FollowUpView(row=row, earlier=db.session.get(Inspection, row.inspection_uuid),
                                   target_id=None, done_at=row.done_at)


@blp.route("/tasks/<uuid:task_id>/publish", methods=["POST"])
@blp.response(200, TaskSchema)
@auth.roles_required("supervisor")
def publish_task_result(task_id):
    """Publish the task's result on the public pages (redacted)."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise ApiError("task.not_found")
    tasks.publish_result(g.user, task)
    return task
