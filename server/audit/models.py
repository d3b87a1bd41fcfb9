"""The audit table: append-only (database triggers refuse UPDATE and DELETE).

Each entry is hashed over its canonical form (`entry_hash`), so that the entries can be built
into a Merkle tree and checkpoints signed over it (RFC 6962 style).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    # Position in the log: gapless, assigned under a lock, never reused.
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)  # no FK: the log outlives accounts
    actor_username: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    # Canonical JSON (sorted keys, UTF-8, no spaces): hashed exactly as stored.
    details: Mapped[str] = mapped_column(sa.Text, nullable=False, default="{}")
    # SHA-256 (hex) of the canonical entry: the Merkle leaf's content.
    entry_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)
