"""Who may see which inspection record.

An officer sees the records they took part in; a supervisor their team's; a legal reviewer those
sent for legal review (every revision of an inspection one of whose revisions was sent: an
amendment carries its earlier revisions' evidence over); an admin all. Records one may not see
answer 404, as if they did not exist.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

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
        sent = aliased(Inspection)
        clauses.append(Inspection.root_uuid.in_(
            sa.select(sent.root_uuid).where(sent.legal_review_requested_at.is_not(None))))
    return sa.or_(*clauses) if clauses else sa.false()


def _sent_to_legal_review(inspection: Inspection) -> bool:
    if inspection.legal_review_requested_at is not None:
        return True
    return db.session.execute(sa.select(Inspection.uuid).where(
        Inspection.root_uuid == inspection.root_uuid,
        Inspection.legal_review_requested_at.is_not(None)).limit(1)).first() is not None


def can_view(user: User, inspection: Inspection) -> bool:
    if user.has_role("admin"):
        return True
    if user.has_role("officer") and any(o.user_id == user.id for o in inspection.officers):
        return True
    if user.has_role("supervisor") and user.team_id is not None and inspection.team_id == user.team_id:
        return True
    return user.has_role("legal_reviewer") and _sent_to_legal_review(inspection)


def get_visible_inspection(user: User, uuid) -> Inspection:
    """The inspection if `user` may see it; otherwise 404 (its existence is not revealed)."""
    inspection = db.session.get(Inspection, uuid)
    if inspection is None or not can_view(user, inspection):
        raise ApiError("request.not_found", "检查记录不存在或您无权查看。")
    return inspection
