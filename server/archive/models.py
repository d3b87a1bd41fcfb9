"""Archive packages (电子档案) and the facts added to them later.

An `archives` row is the record of a package built once and stored write-once by its SHA-256
(kind `archive`: one per subject; kind `transfer`: an archive plus its 案件移送函, for the
receiving authority). Nothing in it ever changes: a court's ruling or any later fact is an
`archive_facts` row with its own audit entry. Triggers (0014_documents) refuse UPDATE and DELETE.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db

KINDS = ("archive", "transfer")
CATEGORIES = ("inspection", "case")
# GB/T 18894-2016 and 《机关文件材料归档范围和文书档案保管期限规定》: 永久, 定期 30 年, 定期 10 年.
RETENTIONS = ("永久", "30年", "10年")


class Archive(db.Model):
    __tablename__ = "archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False, unique=True)
    archive_no: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    subject_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    subject_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    party: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    retention: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    transfer_letter_uuid: Mapped[uuidlib.UUID | None] = mapped_column(sa.Uuid)
    export_id: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    package_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    package_size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {KINDS}", name="ck_archives_kind"),
        sa.CheckConstraint(f"category IN {CATEGORIES}", name="ck_archives_category"),
        sa.CheckConstraint(f"retention IN {RETENTIONS}", name="ck_archives_retention"),
        sa.CheckConstraint("(kind = 'transfer') = (transfer_letter_uuid IS NOT NULL)",
                           name="ck_archives_transfer_letter"),
        sa.Index("uq_archives_one_per_subject", "subject_type", "subject_id", unique=True,
                 sqlite_where=sa.text("kind = 'archive'"), postgresql_where=sa.text("kind = 'archive'")),
    )


class ArchiveFact(db.Model):
    """A fact learnt after archiving (a court's ruling, a payment), appended, never edited in."""

    __tablename__ = "archive_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_id: Mapped[int] = mapped_column(sa.ForeignKey("archives.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    document_uuid: Mapped[uuidlib.UUID | None] = mapped_column(sa.Uuid)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
