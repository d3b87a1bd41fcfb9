"""Training records: one course an officer completed, with its class hours (学时) and dates.

Hours are kept in tenths (an integer), so that sums are exact on both databases: a 1.5-hour
session is 15. A record never changes once stored (migration 0015 adds the triggers); the audit
entry `training.recorded` vouches for it (training/vouched.py).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db

# The plan's target (P-15): at least 60 class hours per officer over three years (三年轮训).
TARGET_HOURS = 60
TARGET_YEARS = 3


class TrainingRecord(db.Model):
    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    course: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    organiser: Mapped[str | None] = mapped_column(sa.String(200))
    class_hours_tenths: Mapped[int] = mapped_column(nullable=False)
    started_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    finished_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    completion_certificate: Mapped[str | None] = mapped_column(sa.String(100))  # 结业证书编号
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # SHA-256 of the XLSX file the record came from (null: entered one by one).
    import_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    officer = relationship("User", lazy="joined", foreign_keys=[officer_id])

    __table_args__ = (
        sa.CheckConstraint("class_hours_tenths > 0 AND class_hours_tenths <= 2000",
                           name="ck_training_records_hours"),
        sa.CheckConstraint("finished_on >= started_on", name="ck_training_records_dates"),
        sa.UniqueConstraint("officer_id", "course", "started_on", name="uq_training_records_course"),
        sa.Index("ix_training_records_officer", "officer_id", "finished_on"),
    )

    @property
    def class_hours(self) -> Decimal:
        return Decimal(self.class_hours_tenths) / 10
