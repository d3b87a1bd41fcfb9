"""Evidence arriving: a listed file received intact is marked, and completes its record when it was
the last one missing. The evidence features call it; it lives here because it changes the record."""
from __future__ import annotations

from datetime import datetime

from ..audit.service import record_events
from ..extensions import db
from .models import Evidence


def mark_evidence_received(evidence: Evidence, received_at: datetime, *, actor=None,
                           details: dict | None = None, events: list[dict] | None = None) -> bool:
    """Record that a listed evidence file arrived intact; completes the record when it was the
    last one missing. Returns False (and changes nothing) when it was already received.

    Call it in the same transaction that stores the file's facts. Its audit entries are written
    here, or added to `events` (record_events' form) for the caller to write with its own.
    """
    if evidence.received_at is not None:
        return False
    inspection = evidence.inspection
    evidence.received_at = received_at
    inspection.evidence_received += 1
    became_complete = (inspection.status == "incomplete"
                       and inspection.evidence_received == inspection.evidence_expected)
    if became_complete:
        inspection.status = "complete"
    written = [dict(action="evidence.received", object_type="evidence", object_id=evidence.uuid,
                    details={"inspection": str(inspection.uuid), "item": evidence.item_id,
                             "sha256": evidence.sha256, "size": evidence.size, **(details or {})})]
    if became_complete:
        written.append(dict(action="inspection.completed", object_type="inspection",
                            object_id=inspection.uuid, details={"evidence": inspection.evidence_expected}))
    if events is None:
        db.session.flush()
        record_events(written, actor=actor)
    else:
        events += written
    return True
