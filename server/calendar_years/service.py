"""Entering a year of the calendar, and reading the years entered (server/calendar_years)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context

from .. import workdays
from ..audit.fast_canonical import canonical_text
from ..audit.service import record_event
from ..clock import utcnow
from ..extensions import db
from .models import CalendarYear

ENTERED = "calendar.year_entered"


def entry_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def enter_years(text: str, *, actor_username: str = "cli") -> list[workdays.Notice]:
    """Store each year of `text` (JSON, the data file's shape) and its audit entry, in the
    caller's transaction. Raises ValueError, with what is wrong, and stores nothing, if the text
    is not such JSON, a year is not right on its own, is known already, or contradicts a
    known year."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict) or not raw["years"]:
        raise ValueError('not the data file\'s shape: {"years": {"2027": {"notice": …, "holidays": …, '
                         '"working_weekend_days": …}}}')
    entered = workdays.entered_years()
    calendar = entered.merged() if entered is not None else workdays.CALENDAR
    now, notices = utcnow(), []
    for year_text, entry in raw["years"].items():
        year = workdays.read_year(year_text, entry, "the file", strict=True)
        calendar = calendar.with_year(year)  # known already, or a day both: ValueError
        stored = canonical_text(entry)
        db.session.add(CalendarYear(year=year.notice.year, entry=stored, entered_at=now))
        n = year.notice
        record_event(ENTERED, actor_username=actor_username, object_type="calendar_year",
                     object_id=n.year, details={
                         "year": n.year, "title": n.title, "number": n.number,
                         "issued": n.issued.isoformat(), "url": n.url,
                         "holidays": len(n.holidays), "working_weekend_days": len(n.working_weekend_days),
                         "entry_sha256": entry_sha256(stored)})
        notices.append(n)
    db.session.flush()
    return notices


def stored_years() -> list[tuple[str, dict, datetime]]:
    rows = db.session.execute(sa.select(CalendarYear.year, CalendarYear.entry, CalendarYear.entered_at)
                              .order_by(CalendarYear.year)).all()
    return [(str(year), json.loads(entry), entered_at) for year, entry, entered_at in rows]


def app_entered_years() -> workdays.EnteredYears | None:
    return current_app.extensions.get("calendar_years") if has_app_context() else None
