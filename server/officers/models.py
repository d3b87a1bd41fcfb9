"""Officers' certificates, unavailable periods and declared conflicts of interest.

Contract (read by the draw, server/draws/, through server/officers/service.py):
- `OfficerCertificate`: one 执法证 of a user, with the domains (执法类别, codes of
  forms.definition.DOMAIN_LABELS) it covers, valid from/until (local dates, inclusive) and
  `revoked_at`. A certificate is valid on a day when not revoked and the day lies in its range.
  The user's `certificate_number`/`certificate_valid_*` columns mirror the newest certificate
  (what sync checks today, 持证上岗).
- `OfficerAbsence`: a day range (inclusive) an officer is unavailable: leave, training, other.
- `ConflictOfInterest`: an officer–target pair the officer must step aside from (回避); a
  withdrawn declaration has `withdrawn_at`.
Use `eligible_officers(domain, on_date)` and `conflicts_for(target_ids)` rather than the tables.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

ABSENCE_KINDS = {"leave": "休假", "training": "培训", "other": "其他"}


class OfficerCertificate(db.Model):
    __tablename__ = "officer_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    domains: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    valid_from: Mapped[date] = mapped_column(sa.Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(sa.Date, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    user = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "number", name="uq_officer_certificates_number"),
        sa.CheckConstraint("valid_until >= valid_from", name="ck_officer_certificates_dates"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)",
                           name="ck_officer_certificates_revoked"),
    )

    def valid_on(self, day: date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


class OfficerAbsence(db.Model):
    __tablename__ = "officer_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {tuple(ABSENCE_KINDS)!r}", name="ck_officer_absences_kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_officer_absences_dates"),
    )


class ConflictOfInterest(db.Model):
    __tablename__ = "officer_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    declared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)",
                           name="ck_officer_conflicts_withdrawn"),
        sa.Index("uq_officer_conflicts_open", "user_id", "target_id", unique=True,
                 sqlite_where=sa.text("withdrawn_at IS NULL"),
                 postgresql_where=sa.text("withdrawn_at IS NULL")),
    )
