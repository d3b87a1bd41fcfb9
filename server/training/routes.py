"""Training records: admins record them (one, or an XLSX import); officers read their own,
supervisors their team's, admins everyone's."""
from __future__ import annotations

from flask import request

from ..accounts.auth import current_user, login_required, roles_required
from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from ..schemas import Blueprint
from . import service
from .schemas import (
    TrainingImportResultSchema,
    TrainingInputSchema,
    TrainingListSchema,
    TrainingQuerySchema,
    TrainingRecordSchema,
)
from .xlsx_import import read_training_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

blp = Blueprint("training", __name__, url_prefix="/api/training",
                description="Officers' training records (三年轮训): courses, class hours, XLSX import")


def _visible_officer_ids(user: User, officer_id: int | None) -> list[int] | None:
    """Which officers' records `user` may read (None: all), narrowed to `officer_id`."""
    if user.has_role("admin"):
        return None if officer_id is None else [officer_id]
    if user.has_role("supervisor") and user.team_id is not None:
        team = {u.id for u in db.session.query(User).filter(User.team_id == user.team_id)}
        if officer_id is not None and officer_id not in team | {user.id}:
            raise ApiError("request.not_found")
        return [officer_id] if officer_id else sorted(team)
    if officer_id is not None and officer_id != user.id:
        raise ApiError("request.not_found")
    return [user.id]


@blp.route("/records", methods=["GET"])
@blp.arguments(TrainingQuerySchema, location="query")
@blp.response(200, TrainingListSchema)
@login_required
def list_records(query):
    """Training records I may see, newest completion first."""
    return {"records": service.list_training(_visible_officer_ids(current_user(), query.get("officer")))}


@blp.route("/records", methods=["POST"])
@blp.arguments(TrainingInputSchema)
@blp.response(201, TrainingRecordSchema)
@roles_required("admin")
def create_record(data):
    """Record one completed course of an officer."""
    officer = db.session.get(User, data.pop("officer_id"))
    if officer is None or not officer.has_role("officer"):
        raise ApiError("training.not_an_officer")
    data["class_hours_tenths"] = int(data.pop("class_hours") * 10)
    return service.record_training(current_user(), officer, data)


@blp.route("/import", methods=["POST"])
@blp.doc(requestBody={"required": True, "description": "the XLSX file itself",
                      "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}})
@blp.response(200, TrainingImportResultSchema)
@roles_required("admin")
def import_records():
    """Import an XLSX sheet (the request body): every row is stored, or none and each bad row is
    named in `rows` ([{row, errors}]) of the problem."""
    content = request.get_data(cache=True)
    if not content:
        raise ApiError("request.body_empty")
    rows, sha256 = read_training_xlsx(content)
    records = service.store_imported(current_user(), rows, sha256)
    return {"imported": len(records), "sha256": sha256}
