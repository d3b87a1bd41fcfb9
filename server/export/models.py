"""The export's tables: collectors' API tokens, webhook endpoints and per-endpoint deliveries.

The outbox itself is the audit log: every exported event is an audit entry of a registered
action (kinds.py), written in the transaction of the change it records. An endpoint keeps how
far it has scanned the log; each exportable entry past that becomes a delivery row, whose
state the delivery workers move on (pending -> delivered, or -> dead after the last attempt).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db

DELIVERY_STATES = ("pending", "delivered", "dead")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class ExportClient(db.Model):
    """A collector of the provincial platform, allowed to pull events with its bearer token."""

    __tablename__ = "export_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    # SHA-256 (hex) of the token: the token itself is shown once, when the client is created.
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportEndpoint(db.Model):
    """A webhook URL events are pushed to, with its signing secret (Standard Webhooks whsec_)."""

    __tablename__ = "export_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    url: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    secret: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last audit seq whose exportable entries have delivery rows for this endpoint.
    scanned_through: Mapped[int] = mapped_column(SEQ, nullable=False, default=0)

    __table_args__ = (sa.CheckConstraint("scanned_through >= 0", name="ck_export_endpoints_scanned"),)


class ExportDelivery(db.Model):
    """One event (an audit entry) to deliver to one endpoint, and how that is going."""

    __tablename__ = "export_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("export_endpoints.id"), nullable=False)
    seq: Mapped[int] = mapped_column(SEQ, nullable=False)  # the audit entry: the event
    event_id: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # A worker that claimed the row delivers it until lease_until; nobody else touches it meanwhile.
    lease_owner: Mapped[str | None] = mapped_column(sa.String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column()  # the receiver's HTTP status, if it answered
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[ExportEndpoint] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "seq", name="uq_export_deliveries_endpoint_seq"),
        sa.CheckConstraint(f"state IN {DELIVERY_STATES!r}", name="ck_export_deliveries_state"),
        sa.CheckConstraint("attempts >= 0", name="ck_export_deliveries_attempts"),
        sa.CheckConstraint("(state = 'delivered') = (delivered_at IS NOT NULL)",
                           name="ck_export_deliveries_delivered"),
        sa.CheckConstraint("(state = 'dead') = (dead_at IS NOT NULL)", name="ck_export_deliveries_dead"),
        sa.CheckConstraint("(lease_owner IS NULL) = (lease_until IS NULL)",
                           name="ck_export_deliveries_lease"),
        sa.Index("ix_export_deliveries_due", "state", "next_attempt_at"),
    )
