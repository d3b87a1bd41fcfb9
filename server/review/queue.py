"""The review queue: the inspections a reviewer may see, latest revision of each, newest first,
filtered (date, officer, form, status, findings, evidence flags, incomplete) with counts per status.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..inspections import paging
from ..inspections.access import visibility_clause
from ..inspections.models import STATUSES, Evidence, Inspection
from ..inspections.queries import apply_filters


def _flagged_count():
    """Evidence files with reviewer flags among those of the inspection (any revision)."""
    owner = aliased(Inspection)
    return (sa.select(sa.func.count()).select_from(EvidenceFile)
            .join(Evidence, Evidence.uuid == EvidenceFile.evidence_uuid)
            .join(owner, owner.uuid == Evidence.inspection_uuid)
            .where(owner.root_uuid == Inspection.root_uuid,
                   sa.cast(EvidenceFile.flags, sa.Text) != "[]")
            .scalar_subquery())


def _filtered(user: User, query: dict):
    newer = aliased(Inspection)
    flagged = _flagged_count()
    stmt = sa.select(Inspection, flagged.label("flagged")).where(
        visibility_clause(user),
        ~sa.exists().where(newer.replaces_uuid == Inspection.uuid))  # superseded by an amendment
    stmt = apply_filters(stmt, query)
    if query.get("findings"):
        stmt = stmt.where(Inspection.failed_checks > 0)
    if query.get("flagged"):
        stmt = stmt.where(flagged > 0)
    return stmt


def review_queue(user: User, query: dict) -> dict:
    """A page of the queue, its cursor, and the counts per status under the same filters."""
    stmt = _filtered(user, query)
    counted = stmt.with_only_columns(Inspection.status, sa.func.count()).group_by(Inspection.status)
    counts = {status: 0 for status in STATUSES}
    counts.update(dict(db.session.execute(counted).all()))
    if "status" in query:
        stmt = stmt.where(Inspection.status == query["status"])
    limit = query["limit"]
    rows = db.session.execute(paging.newest_first(stmt, query.get("cursor"), limit)).all()
    items = [{"inspection": inspection, "flagged_evidence": flagged} for inspection, flagged in rows[:limit]]
    return {"items": items, "counts": counts,
            "next_cursor": paging.next_cursor([inspection for inspection, _ in rows], limit)}
