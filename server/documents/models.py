"""Issued documents and their per-type, per-year counters.

A `documents` row is written once when a document is issued (its type, number, fields, subject)
and only its seal state changes afterwards: 待签章 (pending) → 已签章 (signed), or 签章失败
(failed, with the reason) and later signed on a retry. Triggers (migration 0014_documents) refuse
any other change and every DELETE; a counter only ever moves up by one.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

STATES = ("pending", "signed", "failed")
STATE_LABELS = {"pending": "待签章", "signed": "已签章", "failed": "签章失败"}
SUBJECT_TYPES = ("inspection", "case")


class DocumentCounter(db.Model):
    """The last number given to a document type in a year (Asia/Shanghai), taken under the
    writer's lock in the issuing transaction: numbers never skip or repeat."""

    __tablename__ = "document_counters"

    doc_type: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False, unique=True)
    doc_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    serial: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    number: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    # What it is about: an inspection (its UUID) or a case (its id, from server/cases/).
    subject_type: Mapped[str | None] = mapped_column(sa.String(16))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    party: Mapped[str | None] = mapped_column(sa.String(200))
    fields: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    fields_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    # Set when sealed: the SHA-256 of the PDF/A before and after the seal, and the seal's time.
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    signed_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.UniqueConstraint("doc_type", "year", "serial", name="uq_documents_type_year_serial"),
        sa.CheckConstraint(f"state IN {STATES}", name="ck_documents_state"),
        sa.CheckConstraint(f"subject_type IS NULL OR subject_type IN {SUBJECT_TYPES}",
                           name="ck_documents_subject_type"),
        sa.CheckConstraint("serial >= 1", name="ck_documents_serial"),
        sa.CheckConstraint("(state = 'signed') = (signed_sha256 IS NOT NULL AND pdf_sha256 IS NOT NULL "
                           "AND signed_at IS NOT NULL)", name="ck_documents_signed_facts"),
        sa.CheckConstraint("(state = 'failed') = (sign_error IS NOT NULL)", name="ck_documents_failed_reason"),
    )

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]
