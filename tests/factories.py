"""Test data: the records a phone sends live in testing/records.py (bench/ uses them too) and
stay importable from here; `returned` leaves a stored record as a supervisor's return does."""
from testing.records import SHANGHAI, evidence_entry, overload_record, sync_body  # noqa: F401


def returned(record_uuid: str, comment: str = "请补拍称重单。") -> None:
    """Leave a stored record as a supervisor's return does: evidence received, status returned
    with a comment (committed)."""
    import uuid

    from server.clock import utcnow
    from server.extensions import db
    from server.inspections.evidence_arrival import mark_evidence_received
    from server.inspections.models import Inspection

    stored = db.session.get(Inspection, uuid.UUID(record_uuid))
    for evidence in stored.evidence:
        mark_evidence_received(evidence, utcnow())
    stored.status, stored.return_comment = "returned", comment
    db.session.commit()
