"""The audit table: append-only (database triggers refuse UPDATE and DELETE).

Each entry's `entry_hash` is its Merkle leaf hash, SHA-256(0x00 ‖ canonical entry) (RFC 6962):
the entries in `seq` order are the leaves of the tree that signed checkpoints commit to.
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
    # The Merkle leaf hash (hex): SHA-256(0x00 ‖ canonical JSON of every other field).
    entry_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)


class AuditQueued(db.Model):
    """An entry written by a committed request, not yet in the log (server/audit/sequencer.py):
    the same fields but `seq` and `entry_hash`, which the sequencer assigns when it moves it.
    `mac` is an HMAC of the fields and `nonce` under a key derived from the signing key, so that
    an edited or copied queued row is refused by the sequencer and named by `audit verify`."""

    __tablename__ = "audit_queue"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_username: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[str] = mapped_column(sa.Text, nullable=False)
    nonce: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    mac: Mapped[str] = mapped_column(sa.String(64), nullable=False)


class AuditCheckpoint(db.Model):
    """A signed statement of the log's size and root at a moment (append-only as well).

    `frontier` keeps the roots of the perfect subtrees the tree splits into, so that the next
    checkpoint hashes only the entries added since.
    """

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                           primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    key_id: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    # Ed25519 signature (hex) over `checkpoint_text`.
    signature: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    frontier: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(32), nullable=False)


class AuditCosignature(db.Model):
    """A witness's co-signature of a checkpoint (append-only). No foreign key: a co-signature
    whose checkpoint has vanished is evidence of a rollback, and must outlive it."""

    __tablename__ = "audit_cosignatures"

    tree_size: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                           primary_key=True, autoincrement=False)
    witness_key_id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    root_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # As the witness signed it (ISO 8601 text), so that the signed text can be rebuilt exactly.
    cosigned_at: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    # Ed25519 signature (hex) over cosign.cosignature_text.
    signature: Mapped[str] = mapped_column(sa.String(128), nullable=False)


class AuditWitnessRefusal(db.Model):
    """A checkpoint the witness refused to co-sign (a rollback or a fork), with what it held."""

    __tablename__ = "audit_witness_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                           nullable=False)
    root_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    witness_key_id: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    detail: Mapped[str] = mapped_column(sa.Text, nullable=False)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
