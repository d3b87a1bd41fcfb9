"""The review queue: the inspections a reviewer may see, latest revision of each, newest first,
filtered (date, officer, form, status, findings, evidence flags, incomplete) with counts per status.

Each row's evidence counts are those of the revision shown: the files it lists (its own and those
carried over from the revision it amends), never those an amendment replaced.
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


class QueueRow:
    """A revision as the queue shows it: the inspection's attributes plus the row's own counts
    (set here, never on the model, which the session would try to write)."""

    def __init__(self, inspection: Inspection, **values):
        self.inspection = inspection
        self.__dict__.update(values)

    def __getattr__(self, name):
        return getattr(self.inspection, name)


def _listed_by_revision(dialect: str):
    """True for an Evidence row that the outer Inspection row (one revision) lists: its own files
    and those carried over, not those of an earlier revision that an amendment dropped."""
    if dialect == "postgresql":  # JSONB: does the array hold the UUID's text?
        return Inspection.evidence_uuids.op("?")(sa.cast(Evidence.uuid, sa.Text))
    # SQLite keeps a UUID as 32 hex digits; the list holds it with dashes.
    listed = sa.func.json_each(Inspection.evidence_uuids).table_valued("value")
    return sa.exists().select_from(listed).where(sa.func.replace(listed.c.value, "-", "") == Evidence.uuid)


def _evidence_counts(dialect: str):
    """(files with reviewer flags, files received) among those the revision lists."""
    listed = _listed_by_revision(dialect)
    owner = aliased(Inspection)
    of_root = sa.select(Evidence.uuid).join(owner, owner.uuid == Evidence.inspection_uuid).where(
        owner.root_uuid == Inspection.root_uuid)
    flagged = (sa.select(sa.func.count()).select_from(EvidenceFile)
               .join(Evidence, Evidence.uuid == EvidenceFile.evidence_uuid)
               .where(Evidence.uuid.in_(of_root), listed, sa.cast(EvidenceFile.flags, sa.Text) != "[]")
               .scalar_subquery())
    received = (sa.select(sa.func.count()).select_from(Evidence)
                .where(Evidence.uuid.in_(of_root), listed, Evidence.received_at.is_not(None))
                .scalar_subquery())
    return flagged, received


def _filtered(user: User, query: dict):
    newer = aliased(Inspection)
    flagged, received = _evidence_counts(db.session.get_bind().dialect.name)
    stmt = sa.select(Inspection, flagged.label("flagged"), received.label("received")).where(
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
    items = [QueueRow(inspection, flagged_evidence=flagged, evidence_listed=len(inspection.evidence_uuids),
                      evidence_listed_received=received) for inspection, flagged, received in rows[:limit]]
    return {"items": items, "counts": counts,
            "next_cursor": paging.next_cursor([row[0] for row in rows], limit)}
