"""The target directory's pages for supervisors and admins (zh-CN HTML, served by the server):
/targets/ lists the targets with filters, /targets/<id> shows one with its credit-class history
and its inspection history (防止执法扰民), each inspection linking to the review desk. The login
is the review desk's (the same session cookie)."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request

from ..clock import to_local
from ..forms.definition import DOMAIN_LABELS
from ..inspections.models import STATUSES
from . import history, service
from .models import CATEGORIES, CREDIT_CLASSES, KEY_KINDS

bp = Blueprint("targets_pages", __name__, template_folder="templates")
PAGE_SIZE = 100
STATUS_LABELS = dict(zip(STATUSES, ("证据待传", "待审核", "法制审核中", "已通过", "已退回"), strict=True))


@bp.app_template_filter("local_time")
def _local_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _refuse():
    """None when a supervisor or admin asks; else the page that says what to do."""
    user = g.get("user")
    if user is None:
        return render_template("targets/refused.html", message="请先在执法审核页面登录。", login=True), 401
    if not user.has_role("supervisor", "admin"):
        return render_template("targets/refused.html", message="只有中队长和管理员可以查看检查对象名录。",
                               login=False), 403
    return None


def _labels() -> dict:
    return {"categories": CATEGORIES, "classes": CREDIT_CLASSES, "key_kinds": KEY_KINDS,
            "domain_labels": DOMAIN_LABELS, "statuses": STATUS_LABELS}


@bp.get("/targets/")
def directory():
    """The directory, filtered by category, credit class, area and text."""
    refused = _refuse()
    if refused:
        return refused
    args = request.args
    filters = {name: args.get(name) or None for name in ("category", "credit_class", "area", "q")}
    if filters["category"] not in (None, *CATEGORIES):
        filters["category"] = None
    if filters["credit_class"] not in (None, *CREDIT_CLASSES):
        filters["credit_class"] = None
    filters["q"] = (filters["q"] or "")[:100] or None
    filters["area"] = (filters["area"] or "")[:100] or None
    after = int(args["after"]) if args.get("after", "").isdigit() and len(args["after"]) < 10 else 0
    targets = service.list_targets(**filters, limit=PAGE_SIZE, after_id=after)
    more = targets[-1].id if len(targets) == PAGE_SIZE else None
    return render_template("targets/list.html", targets=targets, filters=filters, more=more,
                           user=g.user, **_labels())


@bp.get("/targets/<id:target_id>")
def target_page(target_id: int):
    """One target: facts, supervision items, credit-class history and inspection history."""
    refused = _refuse()
    if refused:
        return refused
    target = service.get_target(target_id)
    if target is None:
        return render_template("targets/refused.html", message="检查对象不存在。", login=False), 404
    inspections = history.inspections_of(target)
    return render_template("targets/detail.html", target=target, user=g.user,
                           domains=service.target_domains(target),
                           class_history=service.class_history(target), inspections=inspections,
                           window_days=history.window_days(), **_labels())
