"""The filters shared by the records list and the review queue, and a page of visible records
(each with the revision that replaced it, if any: a phone shows a replaced revision as 已更正)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

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
    """A page of the records `user` may see, newest first, filtered; with its `next_cursor`.

    `officer=me` names the user asking; `latest` keeps only revisions no amendment replaced.
    Each record carries `replaced_by`: the UUID of the amendment that replaced it, or None.
    """
    if query.get("officer") == "me":
        query = {**query, "officer": user.username}
    stmt = apply_filters(sa.select(Inspection).where(visibility_clause(user)), query)
    if "status" in query:
        stmt = stmt.where(Inspection.status == query["status"])
    newer = aliased(Inspection)
    if query.get("latest"):
        stmt = stmt.where(~sa.exists().where(newer.replaces_uuid == Inspection.uuid))
    limit = query["limit"]
    rows = list(db.session.execute(paging.newest_first(stmt, query.get("cursor"), limit)).scalars())
    page = rows[:limit]
    replaced = dict(db.session.execute(sa.select(newer.replaces_uuid, newer.uuid).where(
        newer.replaces_uuid.in_([i.uuid for i in page]))).all()) if page else {}
    for inspection in page:
        inspection.replaced_by = replaced.get(inspection.uuid)
    return {"items": page, "next_cursor": paging.next_cursor(rows, limit)}
