"""Uploads in progress (tus) and the facts learnt from each received evidence file.

An upload's bytes live in `STORAGE_DIR/uploads/<id>.part` until it completes; the file's size is
its offset, so what the disk holds and what HEAD answers cannot disagree. A received file's
bytes live in the content-addressed store, its facts in `evidence_files`.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

UPLOAD_STATUSES = ("open", "completed", "failed")
KINDS = ("photo", "audio", "video")


class EvidenceUpload(db.Model):
    """One tus upload of one evidence file, by one user."""

    __tablename__ = "evidence_uploads"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random, in the URL
    evidence_uuid: Mapped[uuidlib.UUID] = mapped_column(
        sa.ForeignKey("evidence.uuid"), nullable=False, index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    length: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    declared_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    filename: Mapped[str | None] = mapped_column(sa.String(120))  # cleaned display name
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="open")
    failure: Mapped[str | None] = mapped_column(sa.String(64))  # error code when failed
    received_sha256: Mapped[str | None] = mapped_column(sa.String(64))  # as recomputed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    evidence = relationship("Evidence")  # lazy: a PATCH reads only the upload's own row

    __table_args__ = (
        sa.CheckConstraint("length > 0", name="ck_evidence_uploads_length"),
        sa.CheckConstraint(f"status IN {UPLOAD_STATUSES!r}", name="ck_evidence_uploads_status"),
        sa.CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)",
                           name="ck_evidence_uploads_completed"),
        sa.CheckConstraint("(status = 'failed') = (failure IS NOT NULL)",
                           name="ck_evidence_uploads_failure"),
    )


class EvidenceFile(db.Model):
    """What the server learnt from a received evidence file's bytes (never from its name)."""

    __tablename__ = "evidence_files"

    evidence_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.ForeignKey("evidence.uuid"),
                                                        primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    media_type: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # sniffed
    kind: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    filename: Mapped[str | None] = mapped_column(sa.String(120))  # cleaned display name
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    orientation: Mapped[int | None] = mapped_column()  # EXIF 1..8
    duration_s: Mapped[float | None] = mapped_column(sa.Float)
    codec: Mapped[str | None] = mapped_column(sa.String(64))
    # EXIF DateTimeOriginal in UTC, and the offset the camera wrote (null: none written, the
    # bureau's zone was assumed).
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_offset: Mapped[str | None] = mapped_column(sa.String(6))
    gps_latitude: Mapped[float | None] = mapped_column(sa.Float)
    gps_longitude: Mapped[float | None] = mapped_column(sa.Float)
    device_make: Mapped[str | None] = mapped_column(sa.String(100))
    device_model: Mapped[str | None] = mapped_column(sa.String(100))
    has_previews: Mapped[bool] = mapped_column(nullable=False, default=False)
    # Things a reviewer should look at: [{"code": ..., "detail": zh-CN, ...}].
    flags: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)

    evidence = relationship("Evidence", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="ck_evidence_files_kind"),
        sa.CheckConstraint("length(sha256) = 64", name="ck_evidence_files_sha256"),
        sa.CheckConstraint("size > 0", name="ck_evidence_files_size"),
    )
