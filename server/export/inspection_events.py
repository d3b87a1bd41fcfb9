"""Events about inspections and their evidence, built from audit entries and the rows they
vouch for. Only what is fixed once written is read (the submitted revision, a received file's
facts): an event reads the same on every pull and every delivery, however the record moved on."""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..inspections.models import Evidence, Inspection
from .format import Entry, clocks, instant, link

REVIEW_TYPES = {"review.approve": "inspection.approved", "review.return": "inspection.returned",
                "review.send_to_legal_review": "inspection.sent_to_legal_review",
                "review.legal_opinion": "inspection.legal_opinion"}


def prefetch_inspections(entries: list[Entry]) -> list:
    """Load the revisions a page's entries name in one query (with their officers and evidence);
    the caller keeps the list while it builds, or the session's weak identity map drops them."""
    uuids = {uuidlib.UUID(e.object_id) for e in entries if e.object_type == "inspection"}
    return _load_revisions(uuids)


def prefetch_evidence(entries: list[Entry]) -> list:
    """Load the evidence rows a page's entries name, and their revisions, in a few queries."""
    uuids = {uuidlib.UUID(e.object_id) for e in entries if e.object_type == "evidence"}
    if not uuids:
        return []
    rows = db.session.execute(sa.select(Evidence).where(Evidence.uuid.in_(uuids))).scalars().all()
    return [*rows, *_load_revisions({e.inspection_uuid for e in rows})]


def _load_revisions(uuids: set) -> list:
    if not uuids:
        return []
    return list(db.session.execute(sa.select(Inspection).where(Inspection.uuid.in_(uuids)))
                .unique().scalars())


def _revision(object_id: str) -> Inspection:
    return db.session.get(Inspection, uuidlib.UUID(object_id))


def _ref(inspection: Inspection) -> dict:
    return {"uuid": str(inspection.uuid), "root_uuid": str(inspection.root_uuid),
            "revision": inspection.revision, "href": link(f"/api/inspections/{inspection.uuid}")}


def _evidence_item(evidence: Evidence, offset_ms: int | None) -> dict:
    """A listed file: what identifies it (SHA-256) and where to fetch it, never its bytes."""
    return {"uuid": str(evidence.uuid), "item_id": evidence.item_id,
            "media_type": evidence.media_type, "size": evidence.size, "sha256": evidence.sha256,
            "captured_at": clocks(device=evidence.captured_at, offset_ms=offset_ms),
            "href": link(f"/api/evidence/{evidence.uuid}/original")}


def revision(entry: Entry) -> tuple[str, dict]:
    """inspection.submitted (revision 1) or inspection.amended (a later revision superseding the
    one it replaces): the record as submitted."""
    row = _revision(entry.object_id)
    offset = row.device_clock_offset_ms
    data = {
        "inspection": _ref(row),
        "supersedes": str(row.replaces_uuid) if row.replaces_uuid else None,
        "amendment_reason": row.amendment_reason,
        "form": {"id": row.form_id, "version": row.form_version},
        "team": row.team.code if row.team else None,
        "submitted_by": row.submitted_by.username,
        "officers": [{"username": o.user.username, "certificate_number": o.certificate_number}
                     for o in row.officers],
        "subject": {"kind": row.subject_kind, "name": row.subject_name, "code": row.subject_code,
                    "description": row.subject_description},
        "place": {"latitude": row.place_latitude, "longitude": row.place_longitude,
                  "accuracy_m": row.place_accuracy_m, "address": row.place_address},
        "started_at": clocks(device=row.started_at, offset_ms=offset),
        "finished_at": clocks(device=row.finished_at, offset_ms=offset),
        "received_at": clocks(server=row.received_at, offset_ms=offset),
        "device": {"id": row.device_id, "app_version": row.app_version,
                   "clock_offset_ms": offset},
        "answers": row.answers,
        "computed": row.computed,
        "failed_checks": row.failed_checks,
        "status": "incomplete" if entry.details.get("evidence") else "complete",
        "evidence": [_evidence_item(e, offset) for e in row.evidence_files],
        "content_hash": row.content_hash,
        "record_sha256": entry.details.get("record_sha256"),
    }
    return ("inspection.amended" if row.revision > 1 else "inspection.submitted"), data


def completed(entry: Entry) -> tuple[str, dict]:
    """Every listed evidence file arrived: the record is complete and can be reviewed."""
    row = _revision(entry.object_id)
    return "inspection.completed", {"inspection": _ref(row),
                                    "evidence_received": entry.details["evidence"],
                                    "completed_at": instant(entry.recorded_at)}


def review(entry: Entry) -> tuple[str, dict]:
    """A review decision on one revision: approved, returned, sent to legal review, or the
    legal reviewer's opinion; the fields it carries are those the decision wrote."""
    row = _revision(entry.object_id)
    details = entry.details
    return REVIEW_TYPES[entry.action], {
        "inspection": _ref(row),
        "from_status": details["from"], "to_status": details["to"],
        "decided_at": instant(entry.recorded_at), "decided_by": entry.actor_username,
        "comment": details.get("comment"),
        "item_comments": details.get("item_comments") or {},
        "major_decision_reason": details.get("reason"),
        "legal_review_due_at": instant(datetime.fromisoformat(details["due_at"]))
        if details.get("due_at") else None,
        "legal_opinion": details.get("opinion"),
        "legal_checklist": details.get("checklist"),
    }


def evidence_received(entry: Entry) -> tuple[str, dict]:
    """A listed file arrived whole (its SHA-256 equal to what the record declared)."""
    evidence = db.session.get(Evidence, uuidlib.UUID(entry.object_id))
    offset = evidence.inspection.device_clock_offset_ms
    return "evidence.received", {
        "evidence": _evidence_item(evidence, offset),
        "inspection": _ref(evidence.inspection),
        "received_at": clocks(server=evidence.received_at, offset_ms=offset),
    }
