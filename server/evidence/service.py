"""Receiving evidence: verify a finished upload end to end, store it, learn its facts, mark it
received — and finding, listing and auditing the evidence a user may see.

The slow work (hashing, sniffing, reading EXIF, storing) happens before the database is touched,
so the write transaction that records the file and marks the evidence received stays short; a
camera's thumbnail is made after the answer (derived.py).
"""
from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..audit.service import record_event, record_events
from ..database import commit, commit_then_raise
from ..errors import ApiError
from ..extensions import db
from ..inspections.access import can_view, get_visible_inspection
from ..inspections.evidence_arrival import mark_evidence_received
from ..inspections.models import Evidence, Inspection
from . import facts, media
from .derived import DerivedImages, derived_key
from .models import EvidenceFile, EvidenceUpload
from .photos import ImageTooLarge, NotAnImage
from .storage import Stores
from .uploads import UploadTicket, discard_partial
from .vouched import file_facts_sha256

HASH_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Verified:
    """A finished upload whose bytes were checked and stored, ready to be recorded."""

    sha256: str
    media_type: str
    facts: dict
    has_previews: bool
    previews_made: bool  # False: the thumbnail is still to be made (queued after the answer)


def hash_file(path) -> str:
    """SHA-256 (hex) of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def verify_and_store(ticket: UploadTicket, stores: Stores, images: DerivedImages, max_pixels: int,
                     *, digest=None) -> Verified:
    """Check a finished upload's SHA-256 over the whole file against the phone's, sniff and
    examine it, then put it (and its previews) in the store. `digest`: the SHA-256 state kept
    running over every byte as it arrived, if the whole upload was seen by this process;
    otherwise the file is hashed from disk.

    Raises a refusal (see `refuse_upload`) as a plain ApiError for the caller to record.
    """
    sha256 = digest.hexdigest() if digest is not None else hash_file(ticket.partial)
    if sha256 != ticket.declared_sha256:
        raise ApiError("evidence.hash_mismatch", received_sha256=sha256,
                       declared_sha256=ticket.declared_sha256)
    media_type = media.identify(ticket.partial)
    if media_type is None:
        raise ApiError("evidence.unsupported_type", received_sha256=sha256)
    try:
        learnt, previews, has_previews = facts.learn(ticket.partial, media_type, max_pixels,
                                                     images.decoder.make)
    except ImageTooLarge:
        raise ApiError("evidence.image_too_large", received_sha256=sha256) from None
    except NotAnImage:
        raise ApiError("evidence.image_unreadable", received_sha256=sha256) from None
    stores.originals.put_file(sha256, ticket.partial)
    for variant, data in previews.items():
        stores.derived.put_bytes(derived_key(sha256, variant), data)
    return Verified(sha256, media_type, learnt, has_previews, bool(previews))


def _lock_evidence(evidence_uuid: uuidlib.UUID) -> Evidence:
    """The evidence and its record, read again and locked."""
    # FOR UPDATE on PostgreSQL (two uploads of one evidence finish at once), and its record's row
    # too, evidence first: two files of one record finishing at once on two servers each count
    # themselves in `evidence_received` (server/database.py, the concurrency rule). SQLite's
    # BEGIN IMMEDIATE already serialises writers.
    evidence = db.session.execute(
        sa.select(Evidence).where(Evidence.uuid == evidence_uuid).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    # Read once locked, with none of its eager relationships (officers, evidence list,
    # submitter, team: not needed here, and FOR UPDATE refuses their outer joins).
    inspection = db.session.execute(
        sa.select(Inspection).where(Inspection.uuid == evidence.inspection_uuid)
        .options(sa.orm.lazyload("*")).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    # `evidence.inspection` would read the record a second time, with all its eager loads (the
    # populate_existing of the evidence's load reaches its lazy loaders): three statements per
    # photo. It is the row just read, in this locked transaction.
    set_committed_value(evidence, "inspection", inspection)
    return evidence


def record_received(ticket: UploadTicket, verified: Verified, *, actor: User, now: datetime,
                    rules: facts.FlagRules) -> EvidenceFile:
    """Record the stored file and mark the evidence received, in the caller's transaction.

    Completing the same evidence again (same bytes) answers with the facts recorded first.
    """
    evidence = _lock_evidence(ticket.evidence_uuid)
    upload = db.session.get(EvidenceUpload, ticket.id, populate_existing=True)
    upload.status, upload.completed_at, upload.received_sha256 = "completed", now, verified.sha256
    # A file is stored exactly when the evidence is received: both are written here, in one
    # transaction, and `received_at` is set once (migration 0008). The locked row is the latest
    # (a subquery of the locking statement would still see its snapshot, from before the wait).
    existing = db.session.get(EvidenceFile, evidence.uuid) if evidence.received_at is not None else None
    if existing is not None:
        return existing
    inspection = evidence.inspection
    learnt = verified.facts
    columns = {k: learnt.get(k) for k in (
        "width", "height", "orientation", "duration_s", "codec", "exif_taken_at", "exif_offset",
        "gps_latitude", "gps_longitude", "device_make", "device_model")}
    flags = facts.reviewer_flags(
        learnt, media_type=verified.media_type, declared_type=evidence.media_type,
        captured_at=evidence.captured_at, started_at=inspection.started_at,
        finished_at=inspection.finished_at,
        place=(inspection.place_latitude, inspection.place_longitude), rules=rules)
    row = EvidenceFile(
        evidence_uuid=evidence.uuid, sha256=verified.sha256, size=ticket.length,
        media_type=verified.media_type, kind=media.kind_of(verified.media_type),
        filename=upload.filename, stored_at=now, uploaded_by_id=actor.id,
        has_previews=verified.has_previews, flags=flags, **columns)
    db.session.add(row)
    db.session.flush()  # the row as stored (any default filled in), which facts_sha256 vouches for
    events = [dict(action="evidence.upload_completed", object_type="evidence",
                   object_id=evidence.uuid, details={
                       "upload": upload.id, "sha256": verified.sha256, "size": ticket.length,
                       "media_type": verified.media_type,
                       "flags": [f["code"] for f in flags],
                       # Every fact stored, so that `audit verify` can check the row (vouched.py).
                       "facts_sha256": file_facts_sha256(row)})]
    mark_evidence_received(evidence, now, actor=actor, events=events,
                           details={"media_type": verified.media_type, "upload": upload.id})
    record_events(events, actor=actor)  # in order, one look-up of the log's end and one INSERT
    return row


def refuse_upload(ticket: UploadTicket, refusal: ApiError, *, actor: User) -> ApiError:
    """Record a finished upload that was refused (hash mismatch, type, bomb, not an image): the
    evidence stays missing, the upload is failed, and the log says why. Returns the error to
    answer with."""
    evidence = _lock_evidence(ticket.evidence_uuid)
    upload = db.session.get(EvidenceUpload, ticket.id, populate_existing=True)
    received = refusal.extra.get("received_sha256")
    if refusal.code == "evidence.hash_mismatch" and evidence.received_at is not None:
        refusal = ApiError("evidence.already_received", received_sha256=received,
                           declared_sha256=ticket.declared_sha256)
    upload.status, upload.failure, upload.received_sha256 = "failed", refusal.code, received
    action = ("evidence.hash_mismatch" if refusal.code in ("evidence.hash_mismatch",
                                                           "evidence.already_received")
              else "evidence.rejected")
    record_event(action, actor=actor, object_type="evidence", object_id=evidence.uuid, details={
        "upload": upload.id, "reason": refusal.code, "declared_sha256": ticket.declared_sha256,
        "sha256": received, "size": ticket.length})
    return refusal


def refuse_and_discard(ticket: UploadTicket, refusal: ApiError, *, actor: User) -> NoReturn:
    """Record a finished upload's refusal (refuse_upload), keep it and its audit entry, remove the
    partial file once that is durable, then answer with the refusal."""
    error = refuse_upload(ticket, refusal, actor=actor)
    commit_then_raise(error, then=lambda: discard_partial(ticket))


def finish_upload(ticket: UploadTicket, *, actor: User, digest, stores: Stores, images: DerivedImages,
                  max_pixels: int, rules: facts.FlagRules, now: datetime) -> str:
    """Verify, store and record a finished upload, or record its refusal; returns the SHA-256.

    Unlike other services it commits (the mode STEPS of server/database.py), because its steps
    have an order that must survive a crash: the file is in the store before the commit that
    marks the evidence received, and the partial file goes only after it. Used by the last PATCH,
    by a HEAD that finds every byte in, and by `evidence cleanup` (which finishes an upload whose
    process died between storing and recording). A refusal is raised once recorded. A photo's
    thumbnail still to be made is queued once the record is durable.
    """
    try:
        verified = verify_and_store(ticket, stores, images, max_pixels, digest=digest)
    except ApiError as refusal:
        refuse_and_discard(ticket, refusal, actor=actor)
    record_received(ticket, verified, actor=actor, now=now, rules=rules)
    commit()  # durable before the partial file goes (and the caller's lock is released)
    discard_partial(ticket)
    if verified.has_previews and not verified.previews_made:
        images.enqueue_thumbnail(verified.sha256)
    return verified.sha256


def get_visible_evidence(user: User, evidence_uuid: uuidlib.UUID) -> tuple[Evidence, EvidenceFile | None]:
    """An evidence item and its file facts, if the user may see its inspection (404 otherwise)."""
    evidence = db.session.get(Evidence, evidence_uuid)
    if evidence is None or not can_view(user, evidence.inspection):
        raise ApiError("request.not_found", "证据不存在或您无权查看。")
    return evidence, db.session.get(EvidenceFile, evidence.uuid)


def list_evidence(user: User, inspection_uuid: uuidlib.UUID) -> list[tuple[Evidence, EvidenceFile | None]]:
    """The evidence an inspection revision lists, in order, each with its file facts if received."""
    inspection = get_visible_inspection(user, inspection_uuid)
    listed = inspection.evidence_files  # its own and those carried over from the revision it replaces
    files = {f.evidence_uuid: f for f in db.session.execute(
        sa.select(EvidenceFile).where(EvidenceFile.evidence_uuid.in_([e.uuid for e in listed]))).scalars()}
    return [(e, files.get(e.uuid)) for e in listed]


def record_download(user: User, evidence: Evidence, file: EvidenceFile, *, byte_range: str | None) -> None:
    """Audit a download of an original: who, which file (hash), which bytes."""
    record_event("evidence.original_downloaded", actor=user, object_type="evidence",
                 object_id=evidence.uuid, details={
                     "inspection": str(evidence.inspection_uuid), "sha256": file.sha256,
                     "size": file.size, "range": byte_range})
