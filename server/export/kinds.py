"""The registry of exported kinds: which audit actions become events, of which types, following
which data schema (schema/v1/). A new kind is one line here (or one per action of a family),
a builder in its feature's export module, and its schema file; docs/export.md lists them.

A builder takes the audit entry (format.Entry) and returns (event type, data). It may read only
what the entry's row can no longer change, so that an event is the same on every pull and every
delivery. `include`, if given, decides from the entry alone whether it is exported at all (an
administrator's account is not).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import case_events as cases
from . import directory_events as directories
from . import inspection_events as inspections
from . import officer_events as officers
from . import record_events as records
from .format import Entry


@dataclass(frozen=True)
class ExportKind:
    action: str  # the audit action
    types: tuple[str, ...]  # the event types it becomes
    schema: str  # the file in schema/v1/ its `data` follows
    build: Callable[[Entry], tuple[str, dict]]
    # Loads what a page of such entries needs in a few queries, returning the rows (optional).
    prefetch: Callable[[list[Entry]], list] | None = None
    include: Callable[[Entry], bool] | None = None

    def exports(self, entry: Entry) -> bool:
        return self.include is None or self.include(entry)


_INSPECTION = ("inspection.submitted", "inspection.amended")
_OFFICER_UPDATE = ("officer.updated", "officer.disabled", "officer.enabled")

KINDS: dict[str, ExportKind] = {kind.action: kind for kind in (
    ExportKind("inspection.submitted", _INSPECTION, "inspection-revision.json", inspections.revision,
               inspections.prefetch_inspections),
    ExportKind("inspection.completed", ("inspection.completed",), "inspection-completed.json",
               inspections.completed, inspections.prefetch_inspections),
    ExportKind("review.approve", ("inspection.approved",), "inspection-review.json",
               inspections.review, inspections.prefetch_inspections),
    ExportKind("review.return", ("inspection.returned",), "inspection-review.json",
               inspections.review, inspections.prefetch_inspections),
    ExportKind("review.send_to_legal_review", ("inspection.sent_to_legal_review",),
               "inspection-review.json", inspections.review, inspections.prefetch_inspections),
    ExportKind("review.legal_opinion", ("inspection.legal_opinion",), "inspection-review.json",
               inspections.review, inspections.prefetch_inspections),
    ExportKind("evidence.received", ("evidence.received",), "evidence-received.json",
               inspections.evidence_received, inspections.prefetch_evidence),
    ExportKind("user.created", ("officer.created",), "officer.json", officers.created,
               include=officers.is_officer),
    ExportKind("user.certificate_set", ("officer.certificate_changed",), "officer.json",
               officers.certificate_changed, include=officers.is_officer),
    ExportKind("user.updated", _OFFICER_UPDATE, "officer.json", officers.updated,
               include=officers.is_officer),
    *(ExportKind(action, (event_type,), "disposition.json", cases.disposition)
      for action, event_type in cases.DISPOSITION_TYPES.items()),
    *(ExportKind(action, (event_type,), "case-step.json", cases.case_step, cases.prefetch_cases)
      for action, event_type in cases.CASE_TYPES.items()),
    ExportKind("document.issued", ("document.issued",), "document-issued.json", records.document_issued),
    ExportKind("document.signed", ("document.sealed",), "document-sealed.json", records.document_sealed),
    ExportKind("archive.created", ("archive.created",), "archive.json", records.archive_built),
    ExportKind("archive.transfer_created", ("archive.transfer_created",), "archive.json",
               records.archive_built),
    ExportKind("target.created", ("target.created",), "target-created.json", directories.target_created),
    ExportKind("target.updated", ("target.changed",), "target-changed.json", directories.target_changed),
    ExportKind("target.credit_class_set", ("target.credit_class_changed",), "target-credit-class.json",
               directories.target_credit_class),
    ExportKind("officer.certificate_added", ("officer.certificate_added",), "officer-certificate.json",
               directories.certificate_added),
    ExportKind("officer.certificate_revoked", ("officer.certificate_revoked",),
               "officer-certificate.json", directories.certificate_revoked),
)}


def event_types() -> dict[str, str]:
    """Every event type exported today -> the schema file of its data."""
    return {t: kind.schema for kind in KINDS.values() for t in kind.types}
