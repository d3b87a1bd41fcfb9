"""The supervisors' page of random inspection plans (zh-CN HTML, read-only): /plans/ lists every
plan with its state and commitment, and each drawn plan's tasks with their state (待检查, 已逾期,
已完成, 已公示) so that overdue tasks stand out, and above them the results not yet public with
their 20-working-day limit (publication.py), overdue and near-limit first. Actions go through the
API (routes.py). The login is the review desk's (the same session cookie)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template

from ..clock import local_today
from ..extensions import db
from .models import STATUS_LABELS, Plan, Task
from .publication import PUBLICATION_WORKING_DAYS, unpublished_results

bp = Blueprint("plans_pages", __name__, template_folder="templates")


def task_state(task: Task, today) -> str:
    if task.published_at is not None:
        return "已公示"
    if task.status == "done":
        return "已完成"
    return "已逾期" if task.due_on < today else "待检查"


@bp.get("/plans/")
def plans():
    """Every plan, newest first, with its tasks' states."""
    user = g.get("user")
    if user is None or not user.has_role("supervisor", "admin"):
        message = "请先在执法审核页面登录。" if user is None else "只有中队长和管理员可以查看抽查计划。"
        return render_template("plans/refused.html", message=message, login=user is None), \
            401 if user is None else 403
    today = local_today()
    rows = db.session.execute(sa.select(Plan).order_by(Plan.id.desc())).unique().scalars().all()
    tasks: dict[int, list] = {}
    for task in db.session.execute(sa.select(Task).order_by(Task.due_on, Task.created_at)).unique().scalars():
        tasks.setdefault(task.plan_id, []).append((task, task_state(task, today)))
    return render_template("plans/list.html", plans=rows, tasks=tasks, labels=STATUS_LABELS, user=user,
                           unpublished=unpublished_results(today), limit_days=PUBLICATION_WORKING_DAYS)
