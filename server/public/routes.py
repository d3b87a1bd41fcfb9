"""Public pages without login: /public/plans (HTML for a phone) and the same as JSON
(/public/plans.json, /public/plans/<id>.json), and each plan's plan.json for verify_draw."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template

from . import views

bp = Blueprint("public", __name__, template_folder="templates")


@bp.get("/public/plans")
def plans_page():
    """The committed plans (HTML)."""
    return render_template("public_plans.html", plans=[views.plan_summary(p) for p in views.public_plans()])


@bp.get("/public/plans.json")
def plans_json():
    return jsonify([views.plan_summary(p) for p in views.public_plans()])


@bp.get("/public/plans/<id:plan_id>")
def plan_page(plan_id):
    plan = views.public_plan(plan_id) or abort(404)
    return render_template("public_plan.html", plan=views.plan_detail(plan))


@bp.get("/public/plans/<id:plan_id>.json")
def plan_json(plan_id):
    plan = views.public_plan(plan_id) or abort(404)
    return jsonify(views.plan_detail(plan))


@bp.get("/public/plans/<id:plan_id>/plan.json")
def plan_download(plan_id):
    """The published draw, as `python -m server.verify_draw plan.json` reads it."""
    plan = views.public_plan(plan_id) or abort(404)
    response = jsonify(views.plan_document(plan))
    response.headers["Content-Disposition"] = f'attachment; filename="plan-{plan.id}.json"'
    return response
