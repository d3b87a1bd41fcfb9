"""Number blocks, voided numbers and on-the-spot decisions.

- `number_blocks`: a range of the yearly sequence of 当场行政处罚决定书 numbers reserved for one
  device and officer while online; the phone uses it offline. Reserving moves the type's counter
  (server/documents) past the range in the same transaction, so no other document takes these
  numbers. A block is closed once (returned by the phone, or at year end); nothing else changes.
- `voided_numbers`: every number of a closed block that no decision used, recorded as 作废 with
  the reason: with the documents, they account for every number of the year (no silent gap).
- `simple_decisions`: a decision as the phone made it (device clock) and received (server
  clock), never changed (0018_simple's triggers); its document and disposition point back.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

DOC_TYPE = "onsite_penalty_decision"
CLOSE_REASONS = ("returned", "year_end")
CLOSE_REASON_LABELS = {"returned": "设备交回未用号码", "year_end": "年度结束未用号码"}
PARTY_KINDS = ("citizen", "organisation")
PENALTY_KINDS = ("warning", "fine")


class NumberBlock(db.Model):
    __tablename__ = "number_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False, unique=True)
    doc_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    first_serial: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    last_serial: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    device_id: Mapped[str] = mapped_column(sa.String(100), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(sa.String(16))

    __table_args__ = (
        sa.CheckConstraint("first_serial >= 1 AND last_serial >= first_serial",
                           name="ck_number_blocks_range"),
        sa.CheckConstraint("(closed_at IS NULL) = (closed_reason IS NULL)", name="ck_number_blocks_closed"),
        sa.CheckConstraint(f"closed_reason IS NULL OR closed_reason IN {CLOSE_REASONS!r}",
                           name="ck_number_blocks_reason"),
        sa.UniqueConstraint("doc_type", "year", "first_serial", name="uq_number_blocks_start"),
    )

    @property
    def size(self) -> int:
        return self.last_serial - self.first_serial + 1


class VoidedNumber(db.Model):
    __tablename__ = "voided_numbers"

    doc_type: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    serial: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("number_blocks.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.CheckConstraint(f"reason IN {CLOSE_REASONS!r}", name="ck_voided_numbers_reason"),
    )


class SimpleDecision(db.Model):
    __tablename__ = "simple_decisions"

    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, primary_key=True)  # the phone's, idempotency key
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("number_blocks.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    serial: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), nullable=False, unique=True)
    disposition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dispositions.id"), unique=True)
    inspection_uuid: Mapped[uuidlib.UUID | None] = mapped_column(sa.ForeignKey("inspections.uuid"))
    item_id: Mapped[str | None] = mapped_column(sa.String(100))
    violation_code: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    benchmark: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # id, version, hash
    facts: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    party_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    party_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    penalty_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    penalty_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    officer_ids: Mapped[list] = mapped_column(JSONDocument, nullable=False)
    # SHA-256 of each signature PNG (party, then each officer), stored in the evidence store.
    signatures: Mapped[list] = mapped_column(JSONDocument, nullable=False)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)   # device clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # server clock
    device_clock_offset_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    content_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # as sent

    __table_args__ = (
        sa.UniqueConstraint("year", "serial", name="uq_simple_decisions_number"),
        sa.CheckConstraint(f"party_kind IN {PARTY_KINDS!r}", name="ck_simple_decisions_party_kind"),
        sa.CheckConstraint(f"penalty_kind IN {PENALTY_KINDS!r}", name="ck_simple_decisions_penalty_kind"),
        sa.CheckConstraint("(penalty_kind = 'fine') = (penalty_fen IS NOT NULL AND penalty_fen > 0)",
                           name="ck_simple_decisions_fine"),
        # 第五十一条 in the database too: at most 200 yuan (citizen), 3,000 yuan (organisation).
        sa.CheckConstraint("penalty_fen IS NULL OR penalty_fen <= CASE party_kind WHEN 'citizen' "
                           "THEN 20000 ELSE 300000 END", name="ck_simple_decisions_limit"),
        sa.CheckConstraint("(inspection_uuid IS NULL) = (item_id IS NULL)", name="ck_simple_decisions_finding"),
    )
