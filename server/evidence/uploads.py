"""Uploads in progress: creating one, appending bytes under a lock, terminating and expiring.

The bytes of an open upload are `<EVIDENCE_STAGING_DIR>/<id>.part` (a folder every app server
mounts); its size is the offset. One writer at a time holds the upload's lock across servers
(upload_lock.py: a PostgreSQL advisory lock) and an exclusive flock on that file: both are
released when the request ends or its process dies, so a dead connection cannot hold an upload
forever (a silent one is cut by EVIDENCE_UPLOAD_IDLE_SECONDS).
"""
from __future__ import annotations

import fcntl
import os
import re
import secrets
import time
import uuid as uuidlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.models import User
from ..audit.service import record_event
from ..errors import ApiError
from ..extensions import db
from .hashing import BackgroundHasher
from .models import EvidenceUpload
from .serving import clean_filename
from .storage import fsync_dir
from .upload_checks import find_uploadable_evidence
from .upload_lock import cluster_lock

READ_BLOCK = 1024 * 1024  # bytes read from the request per step: memory stays flat
EXPIRY_REFRESH_STEP = timedelta(minutes=10)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class UploadTicket:
    """What writing to an upload needs, usable after the database transaction has ended."""

    id: str
    length: int
    declared_sha256: str
    evidence_uuid: uuidlib.UUID
    expires_at: datetime
    partial: Path

    @classmethod
    def of(cls, upload: EvidenceUpload, uploads_dir: Path) -> UploadTicket:
        """The ticket of an upload row, its partial file in `uploads_dir`."""
        return cls(upload.id, upload.length, upload.declared_sha256, upload.evidence_uuid,
                   upload.expires_at, uploads_dir / f"{upload.id}.part")


@dataclass(frozen=True)
class Appended:
    """The outcome of one PATCH body: the new offset, whether the client vanished, and the
    SHA-256 state covering [0, offset) when it could be kept running (else None)."""

    offset: int
    cut_short: bool
    digest: object | None = None


def staging_dir(config) -> Path:
    """Where unfinished uploads' bytes live (EVIDENCE_STAGING_DIR, or STORAGE_DIR/uploads)."""
    return Path(config["EVIDENCE_STAGING_DIR"] or Path(config["STORAGE_DIR"]) / "uploads")


def _require_uuid(metadata: dict, key: str) -> uuidlib.UUID:
    try:
        return uuidlib.UUID(metadata[key])
    except (KeyError, ValueError):
        raise ApiError("upload.metadata_invalid", errors={key: "应为 UUID"}) from None


def create_upload(user: User, *, length: int, metadata: dict, uploads_dir: Path,
                  now: datetime, expiry: timedelta) -> EvidenceUpload:
    """Open an upload of a listed evidence file by one of the inspection's officers."""
    inspection_uuid = _require_uuid(metadata, "inspection_uuid")
    evidence_uuid = _require_uuid(metadata, "evidence_uuid")
    declared = metadata.get("sha256", "").strip().lower()
    if not _SHA256.match(declared):
        raise ApiError("upload.metadata_invalid", errors={"sha256": "应为 64 位十六进制 SHA-256"})
    evidence = find_uploadable_evidence(user, inspection_uuid, evidence_uuid)
    if declared != evidence.sha256:
        raise ApiError("evidence.already_received" if evidence.received_at
                       else "evidence.declared_hash_differs")
    if length != evidence.size:
        raise ApiError("evidence.size_differs", expected_size=evidence.size)
    upload = EvidenceUpload(
        id=secrets.token_hex(16), evidence_uuid=evidence.uuid, created_by_id=user.id,
        length=length, declared_sha256=declared, filename=clean_filename(metadata.get("filename")),
        status="open", created_at=now, expires_at=now + expiry)
    db.session.add(upload)
    db.session.flush()
    uploads_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(uploads_dir / f"{upload.id}.part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    fsync_dir(uploads_dir)
    record_event("evidence.upload_started", actor=user, object_type="evidence",
                 object_id=evidence.uuid, details={
                     "upload": upload.id, "inspection": str(evidence.inspection_uuid),
                     "sha256": declared, "size": length, "filename": upload.filename})
    return upload


def find_own_upload(user: User, upload_id: str, now: datetime) -> EvidenceUpload:
    """The user's own upload that can still be written or read; 404 (410 expired) otherwise."""
    upload = db.session.get(EvidenceUpload, upload_id) if _UPLOAD_ID.match(upload_id) else None
    if upload is None or upload.created_by_id != user.id or upload.status == "failed":
        raise ApiError("upload.not_found")
    if upload.status == "open" and upload.expires_at < now:
        raise ApiError("upload.not_found", status=410)
    return upload


@contextmanager
def locked(ticket: UploadTicket, wait_seconds: float):
    """Hold the upload's writer lock (waiting a little for a vanishing connection); yields the fd.

    Raises upload.not_found when the partial file went away meanwhile (completed, terminated).
    """
    try:
        fd = os.open(ticket.partial, os.O_RDWR)
    except FileNotFoundError:
        raise ApiError("upload.not_found") from None
    deadline = time.monotonic() + wait_seconds
    try:
        with cluster_lock(ticket.id, deadline) as held:
            if not held:  # another server writes this upload
                raise ApiError("upload.locked", headers={"Retry-After": "2"})
            yield from _flocked(fd, ticket, deadline)
    finally:
        os.close(fd)


def _flocked(fd: int, ticket: UploadTicket, deadline: float):
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ApiError("upload.locked", headers={"Retry-After": "2"}) from None
            time.sleep(0.05)
    try:
        still_there = os.path.samestat(os.fstat(fd), os.stat(ticket.partial))
    except FileNotFoundError:
        still_there = False
    if not still_there:
        raise ApiError("upload.not_found")
    yield fd


def append(fd: int, ticket: UploadTicket, stream, *, offset: int,
           content_length: int | None, checksum, running=None) -> Appended:
    """Write a PATCH body (a `BodyStream`) at `offset`; keep what arrived if the client vanishes
    (unless a chunk checksum was sent: an unverifiable chunk is discarded, as is a wrong one).

    `running` is the SHA-256 state of [0, offset), if known: it is carried on as bytes arrive.
    """
    size = os.fstat(fd).st_size
    if offset != size:
        raise ApiError("upload.offset_mismatch", headers={"Upload-Offset": str(size)}, offset=size)
    remaining = ticket.length - offset
    if content_length is not None and content_length > remaining:
        raise ApiError("upload.too_large", "数据超出了文件长度（Upload-Length），请检查续传位置。")
    os.lseek(fd, offset, os.SEEK_SET)
    hasher = BackgroundHasher(running) if running is not None else None
    received, kept = 0, False
    try:
        while content_length is None or received < content_length:
            want = READ_BLOCK if content_length is None else min(READ_BLOCK, content_length - received)
            try:
                data = stream.read(want)
            except RequestEntityTooLarge:
                raise ApiError("upload.too_large", "数据超出了文件长度（Upload-Length）。") from None
            if not data:
                break
            if received + len(data) > remaining:
                raise ApiError("upload.too_large", "数据超出了文件长度（Upload-Length）。")
            _write_all(fd, data)
            if hasher:
                hasher.update(data)
            if checksum:
                checksum[0].update(data)
            received += len(data)
        cut_short = getattr(stream, "cut", False) or (
            content_length is not None and received < content_length)
        if checksum and (cut_short or checksum[0].digest() != checksum[1]):
            os.ftruncate(fd, offset)  # the chunk cannot be verified: nothing of it is kept
            if not cut_short:
                raise ApiError("upload.checksum_mismatch", headers={"Upload-Offset": str(offset)})
            return Appended(offset, cut_short)  # the running hash saw discarded bytes
        kept = True
    except ApiError:
        os.ftruncate(fd, offset)
        raise
    finally:
        os.fsync(fd)  # an acknowledged offset survives a crash
        digest = hasher.finish() if hasher else None
    return Appended(offset + received, cut_short, digest if kept else None)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def current_offset(fd: int) -> int:
    """How many bytes an upload holds: the size of its partial file."""
    return os.fstat(fd).st_size


def read_head(fd: int, size: int) -> bytes:
    """The first `size` bytes of the partial file (to sniff its type early)."""
    return os.pread(fd, size, 0)


def refresh_expiry(ticket: UploadTicket, now: datetime, expiry: timedelta) -> datetime:
    """Extend an open upload's life after a write; returns the expiry now in force.

    At most every few minutes, so that a PATCH costs no database write (nor its fsync).
    """
    if ticket.expires_at >= now + expiry - EXPIRY_REFRESH_STEP:
        return ticket.expires_at
    upload = db.session.get(EvidenceUpload, ticket.id, populate_existing=True)
    upload.expires_at = now + expiry
    return upload.expires_at


def discard_partial(ticket: UploadTicket) -> None:
    """Remove the partial file (after completion, refusal or termination). Not fsynced: what
    its upload row no longer needs, a removal lost to a power cut, `evidence cleanup` removes."""
    ticket.partial.unlink(missing_ok=True)


def terminate(user: User, ticket: UploadTicket, fd: int) -> None:
    """tus termination: the unfinished upload's bytes go; its row stays, failed, as a record."""
    upload = db.session.get(EvidenceUpload, ticket.id, populate_existing=True)
    if upload.status != "open":
        raise ApiError("upload.completed" if upload.status == "completed" else "upload.not_found")
    upload.status, upload.failure = "failed", "terminated"
    record_event("evidence.upload_terminated", actor=user, object_type="evidence",
                 object_id=upload.evidence_uuid,
                 details={"upload": upload.id, "offset": current_offset(fd)})
