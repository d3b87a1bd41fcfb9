"""The evidence trail of an inspection: every audit entry about it, its revisions and its
evidence, in log order, with device and server times side by side and an inclusion proof for
each entry against a signed checkpoint.

An entry belongs to the trail when its object is one of the inspection's revisions (object_type
"inspection"), one of the evidence items any revision lists (object_type "evidence"), or one of
the documents issued about a revision or about another subject the caller names (a case:
object_type "document").
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..audit import proofs
from ..audit.checkpoints import checkpoint_text
from ..audit.models import AuditCheckpoint, AuditEntry
from ..audit.service import entry_fields
from ..documents.models import Document
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..inspections.models import Evidence, Inspection


@dataclass
class Case:
    """An inspection with every revision of its root and every evidence item they list."""

    inspection: Inspection
    revisions: list[Inspection]
    evidence: list[Evidence]
    files: dict[uuidlib.UUID, EvidenceFile]
    documents: list[Document] = field(default_factory=list)

    def revision_of(self, uuid: str | None) -> Inspection | None:
        return next((r for r in self.revisions if str(r.uuid) == uuid), None)

    def evidence_item(self, uuid: str | None) -> Evidence | None:
        return next((e for e in self.evidence if str(e.uuid) == uuid), None)


def load_case(inspection: Inspection, subjects: tuple[tuple[str, str], ...] = (), keep=None) -> Case:
    """The inspection's revisions (first to last), their evidence and its stored file facts, and
    the documents issued about a revision or about one of `subjects` ((type, id): a case), those
    `keep` (a function of a document) accepts if given."""
    revisions = inspection.revisions
    evidence = list(db.session.execute(
        sa.select(Evidence).join(Inspection, Evidence.inspection_uuid == Inspection.uuid)
        .where(Inspection.root_uuid == inspection.root_uuid)
        .order_by(Inspection.revision, Evidence.position)).scalars())
    files = {f.evidence_uuid: f for f in db.session.execute(
        sa.select(EvidenceFile).where(EvidenceFile.evidence_uuid.in_([e.uuid for e in evidence]))
    ).scalars()} if evidence else {}
    about = [sa.and_(Document.subject_type == "inspection",
                     Document.subject_id.in_([str(r.uuid) for r in revisions]))]
    about += [sa.and_(Document.subject_type == kind, Document.subject_id == str(key)) for kind, key in subjects]
    documents = list(db.session.execute(sa.select(Document).where(sa.or_(*about))
                                        .order_by(Document.id)).scalars())
    if keep is not None:
        documents = [d for d in documents if keep(d)]
    return Case(inspection, revisions, evidence, files, documents)


def case_entries(case: Case) -> list[AuditEntry]:
    """The audit entries about the case's revisions and evidence, in log order."""
    revision_ids = [str(r.uuid) for r in case.revisions]
    evidence_ids = [str(e.uuid) for e in case.evidence]
    about = sa.and_(AuditEntry.object_type == "inspection", AuditEntry.object_id.in_(revision_ids))
    if evidence_ids:
        about = sa.or_(about, sa.and_(AuditEntry.object_type == "evidence",
                                      AuditEntry.object_id.in_(evidence_ids)))
    if case.documents:
        about = sa.or_(about, sa.and_(AuditEntry.object_type == "document",
                                      AuditEntry.object_id.in_([str(d.uuid) for d in case.documents])))
    return list(db.session.execute(sa.select(AuditEntry).where(about).order_by(AuditEntry.seq)).scalars())


def on_server_clock(device_time: datetime | None, offset_ms: int | None) -> datetime | None:
    """A device-clock time as the server's clock would have read it (offset: device − server)."""
    if device_time is None or offset_ms is None:
        return None
    return device_time - timedelta(milliseconds=offset_ms)


def build_trail(inspection: Inspection, *, checkpoint: AuditCheckpoint | None = None,
                subjects: tuple[tuple[str, str], ...] = (), keep=None) -> dict:
    """The trail of `inspection`; without `checkpoint`, the latest one (signed now if older than
    the trail's newest entry) is the one every proof refers to."""
    case = load_case(inspection, subjects, keep)
    entries = case_entries(case)
    if checkpoint is None:
        checkpoint = proofs.checkpoint_covering(entries[-1].seq if entries else 0, "trail")
    paths = proofs.inclusion_proofs(checkpoint, [e.seq for e in entries])
    names = display_names({e.actor_id for e in entries} - {None})
    return {
        "inspection_uuid": inspection.uuid,
        "root_uuid": inspection.root_uuid,
        "revisions": [_revision(r) for r in case.revisions],
        "evidence": [evidence_view(case, e) for e in case.evidence],
        "events": [_event(case, e, paths[e.seq], names) for e in entries],
        "checkpoint": checkpoint_facts(checkpoint),
    }


def checkpoint_facts(checkpoint: AuditCheckpoint) -> dict:
    """A checkpoint with the exact text its signature covers."""
    return {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at, "key_id": checkpoint.key_id,
            "signature": checkpoint.signature,
            "signed_text": checkpoint_text(checkpoint.tree_size, checkpoint.root_hash,
                                           checkpoint.signed_at).decode()}


def display_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _revision(revision: Inspection) -> dict:
    offset = revision.device_clock_offset_ms
    return {"uuid": revision.uuid, "revision": revision.revision, "status": revision.status,
            "replaces_uuid": revision.replaces_uuid, "amendment_reason": revision.amendment_reason,
            "submitted_by": revision.submitted_by.username, "officers": revision.officers,
            "device_id": revision.device_id, "app_version": revision.app_version,
            "content_hash": revision.content_hash,
            "started_at": revision.started_at, "finished_at": revision.finished_at,
            "received_at": revision.received_at, "device_clock_offset_ms": offset,
            "started_at_server_clock": on_server_clock(revision.started_at, offset),
            "finished_at_server_clock": on_server_clock(revision.finished_at, offset)}


def evidence_view(case: Case, evidence: Evidence) -> dict:
    """An evidence item as declared, as received and as stored (TrailEvidenceSchema)."""
    owner = case.revision_of(str(evidence.inspection_uuid))
    return {"uuid": evidence.uuid, "revision_uuid": evidence.inspection_uuid,
            "listed_in": [r.uuid for r in case.revisions if str(evidence.uuid) in r.evidence_uuids],
            "item_id": evidence.item_id,
            "status": "received" if evidence.received_at else "missing",
            "declared": evidence,
            "captured_at_server_clock": on_server_clock(
                evidence.captured_at, owner.device_clock_offset_ms if owner else None),
            "received_at": evidence.received_at,
            "file": case.files.get(evidence.uuid)}


def event_context(case: Case, entry, names: dict[int, str]) -> dict:
    """What a trail shows beside an entry's hashed fields: who the actor is called, the revision
    and evidence it is about, and the device's time of it. Needs only the entry's action,
    actor_id, object_type and object_id (an export computes its own before it is written)."""
    revision = evidence = device_time = source = None
    if entry.object_type == "inspection":
        revision = case.revision_of(entry.object_id)
        if revision is not None and entry.action == "inspection.submitted":
            device_time, source = revision.finished_at, "finished_at"
    elif entry.object_type == "evidence":
        evidence = case.evidence_item(entry.object_id)
        if evidence is not None:
            revision = case.revision_of(str(evidence.inspection_uuid))
            device_time, source = evidence.captured_at, "captured_at"
    offset = revision.device_clock_offset_ms if revision is not None else None
    return {"actor_display_name": names.get(entry.actor_id),
            "revision_uuid": revision.uuid if revision is not None else None,
            "evidence_uuid": evidence.uuid if evidence is not None else None,
            "device_time": device_time, "device_time_source": source, "clock_offset_ms": offset,
            "device_time_on_server_clock": on_server_clock(device_time, offset)}


def _event(case: Case, entry: AuditEntry, path: list[str], names: dict[int, str]) -> dict:
    return {**entry_fields(entry), **event_context(case, entry, names),
            "entry_hash": entry.entry_hash, "leaf_index": entry.seq - 1, "inclusion_proof": path}
