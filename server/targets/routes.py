"""The targets API: import (admin), the directory and each target's history (supervisors and
admins), and the revisit check the phone makes when an inspection of a target starts."""
from __future__ import annotations

from flask import g, request

from ..accounts import auth
from ..clock import utcnow
from ..errors import ApiError
from ..schemas import Blueprint
from . import history, service
from .imports import import_target_file
from .schemas import (
    HistoryItemSchema,
    ImportResultSchema,
    RecentQuerySchema,
    RecentSchema,
    TargetDetailSchema,
    TargetListQuerySchema,
    TargetSchema,
)

blp = Blueprint("targets", __name__, url_prefix="/api/targets",
                description="The directory of inspection targets (检查对象名录库)")


def _target_or_404(target_id: int):
    target = service.get_target(target_id)
    if target is None:
        raise ApiError("targets.not_found")
    target.domains = service.target_domains(target)
    return target


@blp.route("/import", methods=["POST"])
@blp.response(200, ImportResultSchema)
@auth.roles_required("admin")
def import_targets():
    """Load a CSV or XLSX file (multipart field `file`): all rows or none (admin)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError("targets.file_required")
    summary = import_target_file(upload.read(), upload.filename, actor=g.user)
    return summary.counts()


@blp.route("", methods=["GET"])
@blp.arguments(TargetListQuerySchema, location="query")
@blp.response(200, TargetSchema(many=True))
@auth.roles_required("supervisor", "admin")
def list_targets(args):
    """Targets in id order; page with `after` (the last id seen)."""
    domains = service.form_domains()
    found = service.list_targets(category=args.get("category"), credit_class=args.get("credit_class"),
                                 area=args.get("area"), q=args.get("q"), limit=args["limit"],
                                 after_id=args["after"])
    for target in found:
        target.domains = sorted({domains[f] for f in target.form_ids if f in domains})
    return found


@blp.route("/<id:target_id>", methods=["GET"])
@blp.response(200, TargetDetailSchema)
@auth.roles_required("supervisor", "admin")
def get_target(target_id):
    """One target with its credit-class history."""
    target = _target_or_404(target_id)
    target.credit_class_history = service.class_history(target)
    return target


@blp.route("/<id:target_id>/inspections", methods=["GET"])
@blp.response(200, HistoryItemSchema(many=True))
@auth.roles_required("supervisor", "admin")
def target_inspections(target_id):
    """The target's inspection history, newest first (latest revision of each)."""
    return history.inspections_of(_target_or_404(target_id))


@blp.route("/recent", methods=["GET"])
@blp.arguments(RecentQuerySchema, location="query")
@blp.response(200, RecentSchema)
@auth.roles_required("officer")
def recent(args):
    """Before inspecting a target: the inspections within the window (防止执法扰民). When there
    are any, the record must carry `revisit_reason`. An unknown key answers `target: null`."""
    if "target_id" in args:
        target = _target_or_404(args["target_id"])
    elif "key" in args:
        target = history.find_target(args["key"])
    else:
        raise ApiError("request.validation", errors={"key": ["请填写检查对象的信用代码、车牌号或船舶识别号。"]})
    found = history.recent_inspections(target, utcnow()) if target is not None else []
    if target is not None:
        target.domains = service.target_domains(target)
    return {"target": target, "window_days": history.window_days(), "inspections": found,
            "reason_required": bool(found)}
