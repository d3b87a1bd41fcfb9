"""The years of the calendar an admin entered (server/calendar_years/__init__.py)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class CalendarYear(db.Model):
    """A year of the calendar entered by an admin: its entry, as canonical JSON text. Written
    once (migration 0030's triggers refuse UPDATE and DELETE)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    entry: Mapped[str] = mapped_column(sa.Text, nullable=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CalendarYearCorrection(db.Model):
    """An entered year entered again, whole, with the admin's reason: the latest correction of a
    year (the highest `number`, from 1) is the year counted with. Written once (migration 0031)."""

    __tablename__ = "calendar_year_corrections"

    year: Mapped[int] = mapped_column(sa.ForeignKey("calendar_years.year"), primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    entry: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CalendarYearCheck(db.Model):
    """A legal reviewer's check of an entered year against its notice, made on the entry whose
    SHA-256 it names: `confirmed` (核对无误) or `wrong` (有误, what is wrong in `note`). Written
    once (migration 0032)."""

    __tablename__ = "calendar_year_checks"
    __table_args__ = (sa.CheckConstraint("verdict IN ('confirmed', 'wrong')", name="calendar_year_checks_verdict"),)

    year: Mapped[int] = mapped_column(sa.ForeignKey("calendar_years.year"), primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    entry_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    verdict: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    reviewer_username: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
