"""Public pages without login (一公开): /public/plans and /public/plans/<id> as HTML that reads well
on a phone (`bp`), and the same data as JSON with each plan's plan.json for verify_draw (`blp`,
documented in the OpenAPI document). Nothing here needs a login, and nothing here writes."""
from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask import render_template

from ..errors import ApiError
from ..schemas import Blueprint
from . import views

bp = PageBlueprint("public_pages", __name__, template_folder="templates")
blp = Blueprint("public", __name__, url_prefix="/public",
                description="一公开: random inspection plans, their draws and results, without login")


def _plan(plan_id):
    plan = views.public_plan(plan_id)
    if plan is None:
        raise ApiError("plan.not_found")
    return plan


@bp.get("/public/plans")
def plans_page():
    """The committed plans (HTML)."""
    return render_template("public_plans.html", plans=[views.plan_summary(p) for p in views.public_plans()])


@bp.get("/public/plans/<id:plan_id>")
def plan_page(plan_id):
    """One plan: commitment, draw, officers sent with certificate numbers, results (HTML)."""
    return render_template("public_plan.html", plan=views.plan_detail(_plan(plan_id)))


@blp.route("/plans.json", methods=["GET"])
def plans_json():
    """The committed plans: seed commitments, periods, states."""
    return [views.plan_summary(p) for p in views.public_plans()]


@blp.route("/plans/<id:plan_id>.json", methods=["GET"])
def plan_json(plan_id):
    """One plan as its page shows it: commitment, draw, officers, results with their dates."""
    return views.plan_detail(_plan(plan_id))


@blp.route("/plans/<id:plan_id>/plan.json", methods=["GET"])
def plan_download(plan_id):
    """The published draw, exactly as `python -m server.verify_draw plan.json` reads it."""
    plan = _plan(plan_id)
    return views.plan_document(plan), 200, {
        "Content-Disposition": f'attachment; filename="plan-{plan.id}.json"'}
