"""The record's own events from the audit log, for the review page's timeline and the record.

The full evidence trail with inclusion proofs is `GET /api/inspections/<uuid>/trail` (case-file
feature); these are the same entries without proofs, so the page has a timeline either way.
"""
from __future__ import annotations

import json

import sqlalchemy as sa

from ..audit.models import AuditEntry
from ..extensions import db
from ..inspections.models import Evidence, Inspection


def events_of_record(inspection: Inspection) -> list[dict]:
    """Audit entries about any revision of the inspection or its evidence, in log order."""
    revisions = inspection.revisions
    evidence = db.session.execute(sa.select(Evidence.uuid).where(
        Evidence.inspection_uuid.in_([r.uuid for r in revisions]))).scalars().all()
    about = sa.or_(
        sa.and_(AuditEntry.object_type == "inspection",
                AuditEntry.object_id.in_([str(r.uuid) for r in revisions])),
        sa.and_(AuditEntry.object_type == "evidence",
                AuditEntry.object_id.in_([str(e) for e in evidence])))
    entries = db.session.execute(sa.select(AuditEntry).where(about).order_by(AuditEntry.seq)).scalars()
    return [{"seq": e.seq, "recorded_at": e.recorded_at, "actor": e.actor_username,
             "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
             "details": json.loads(e.details), "entry_hash": e.entry_hash} for e in entries]
