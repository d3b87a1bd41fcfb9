"""Who may see which inspection record.

An officer sees the records they took part in; a supervisor their team's; a legal reviewer those
sent for legal review; an admin all. Records one may not see answer 404, as if they did not exist.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from .models import Inspection, InspectionOfficer


def visibility_clause(user: User):
    """A WHERE clause selecting the inspections `user` may see (false when none)."""
    if user.has_role("admin"):
        return sa.true()
    clauses = []
    if user.has_role("officer"):
        clauses.append(Inspection.uuid.in_(
            sa.select(InspectionOfficer.inspection_uuid).where(InspectionOfficer.user_id == user.id)))
    if user.has_role("supervisor") and user.team_id is not None:
        clauses.append(Inspection.team_id == user.team_id)
    if user.has_role("legal_reviewer"):
        clauses.append(Inspection.legal_review_requested_at.is_not(None))
    return sa.or_(*clauses) if clauses else sa.false()


def can_view(user: User, inspection: Inspection) -> bool:
    if user.has_role("admin"):
        return True
    if user.has_role("officer") and any(o.user_id == user.id for o in inspection.officers):
        return True
    if user.has_role("supervisor") and user.team_id is not None and inspection.team_id == user.team_id:
        return True
    return user.has_role("legal_reviewer") and inspection.legal_review_requested_at is not None


def get_visible_inspection(user: User, uuid) -> Inspection:
    """The inspection if `user` may see it; otherwise 404 (its existence is not revealed)."""
    inspection = db.session.get(Inspection, uuid)
    if inspection is None or not can_view(user, inspection):
        raise ApiError("request.not_found", "检查记录不存在或您无权查看。")
    return inspection
