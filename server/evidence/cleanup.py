"""Removing what unfinished uploads leave behind. Only `STORAGE_DIR/uploads/` is ever touched:
the evidence store and received evidence are out of reach of this module by construction."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..errors import ApiError
from ..extensions import db
from .models import EvidenceUpload
from .uploads import UploadTicket, current_offset, discard_partial, locked


@dataclass
class CleanupReport:
    """What a cleanup run did."""

    expired: list[str] = field(default_factory=list)  # upload ids
    leftovers: list[str] = field(default_factory=list)  # partial files of finished uploads
    orphans: list[str] = field(default_factory=list)  # partial files without an upload row
    busy: list[str] = field(default_factory=list)  # being written right now: left alone
    finished: list[str] = field(default_factory=list)  # complete uploads whose recording was cut
    refused: list[str] = field(default_factory=list)  # ... and that turned out not to verify


def clean_up_uploads(uploads_dir: Path, now: datetime, expiry: timedelta,
                     finish: Callable[[UploadTicket, User], str] | None = None) -> CleanupReport:
    """Finish complete uploads left unrecorded (a process died between storing and recording),
    expire open uploads past their expiry, and remove partial files no upload needs."""
    report = CleanupReport()
    if finish is not None:
        _finish_stranded(uploads_dir, now, finish, report)
    expired = db.session.execute(sa.select(EvidenceUpload).where(
        EvidenceUpload.status == "open", EvidenceUpload.expires_at < now)).scalars().all()
    for upload in expired:
        ticket = UploadTicket.of(upload, uploads_dir)
        try:
            with locked(ticket, wait_seconds=0) as fd:
                _expire(upload, current_offset(fd))
                db.session.commit()
                discard_partial(ticket)
        except ApiError as error:
            if error.code == "upload.locked":
                report.busy.append(upload.id)
                continue
            _expire(upload, None)  # its partial file is already gone
            db.session.commit()
        report.expired.append(upload.id)
    if not uploads_dir.is_dir():
        return report
    for path in sorted(uploads_dir.glob("*.part")):
        upload = db.session.get(EvidenceUpload, path.stem)
        if upload is not None and upload.status == "open":
            continue
        if upload is None:
            age = now.timestamp() - path.stat().st_mtime
            if age < expiry.total_seconds():
                continue  # maybe a creation still committing
            report.orphans.append(path.name)
        else:
            report.leftovers.append(path.name)
        path.unlink(missing_ok=True)
    os.sync()
    return report


def _finish_stranded(uploads_dir: Path, now: datetime, finish, report: CleanupReport) -> None:
    stranded = db.session.execute(sa.select(EvidenceUpload).where(
        EvidenceUpload.status == "open", EvidenceUpload.expires_at >= now)).scalars().all()
    for upload in stranded:
        ticket = UploadTicket.of(upload, uploads_dir)
        try:
            if not ticket.partial.exists() or ticket.partial.stat().st_size != ticket.length:
                continue
            creator = db.session.get(User, upload.created_by_id)
            with locked(ticket, wait_seconds=0):
                finish(ticket, creator)
            report.finished.append(upload.id)
        except ApiError as error:
            if error.code == "upload.locked":
                report.busy.append(upload.id)
            elif error.code != "upload.not_found":
                report.refused.append(upload.id)


def _expire(upload: EvidenceUpload, offset: int | None) -> None:
    upload.status, upload.failure = "failed", "expired"
    record_event("evidence.upload_expired", actor_username="system", object_type="evidence",
                 object_id=upload.evidence_uuid,
                 details={"upload": upload.id, "offset": offset, "length": upload.length})
