"""The filters shared by the records list and the review queue, and a page of visible records."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..accounts.models import Team, User
from ..clock import LOCAL_ZONE
from ..extensions import db
from . import paging
from .access import visibility_clause
from .models import Inspection, InspectionOfficer


def apply_filters(stmt, query: dict):
    """Narrow `stmt` by the shared filters: local dates `date_from`/`date_to` of the start,
    `officer` (took part), `team`, `form`, `incomplete` and `q` (text in the subject)."""
    if "date_from" in query:
        stmt = stmt.where(Inspection.started_at >= datetime.combine(query["date_from"], time.min, LOCAL_ZONE))
    if "date_to" in query:
        end = datetime.combine(query["date_to"] + timedelta(days=1), time.min, LOCAL_ZONE)
        stmt = stmt.where(Inspection.started_at < end)
    if "officer" in query:
        stmt = stmt.where(Inspection.uuid.in_(
            sa.select(InspectionOfficer.inspection_uuid).join(User)
            .where(User.username == query["officer"].strip().lower())))
    if "team" in query:
        stmt = stmt.where(Inspection.team_id.in_(sa.select(Team.id).where(Team.code == query["team"])))
    if "form" in query:
        stmt = stmt.where(Inspection.form_id == query["form"])
    if query.get("incomplete"):
        stmt = stmt.where(Inspection.status == "incomplete")
    if "q" in query:
        pattern = "%" + query["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.or_(Inspection.subject_name.ilike(pattern, escape="\\"),
                                 Inspection.subject_code.ilike(pattern, escape="\\")))
    return stmt


def list_visible(user: User, query: dict) -> dict:
    """A page of the records `user` may see, newest first, filtered; with its `next_cursor`."""
    stmt = apply_filters(sa.select(Inspection).where(visibility_clause(user)), query)
    if "status" in query:
        stmt = stmt.where(Inspection.status == query["status"])
    limit = query["limit"]
    rows = list(db.session.execute(paging.newest_first(stmt, query.get("cursor"), limit)).scalars())
    return {"items": rows[:limit], "next_cursor": paging.next_cursor(rows, limit)}
