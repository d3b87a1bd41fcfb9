"""Entering a year of the calendar, and reading the years entered (server/calendar_years)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
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
    caller's transaction. Raises ValueError (EntryRefused for a year that is not right), with
    what is wrong, and stores nothing, if the text is not such JSON, a year is not right on its
    own, is known already, or contradicts a known year."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict) or not raw["years"]:
        raise ValueError('not the data file\'s shape: {"years": {"2027": {"notice": …, "holidays": …, '
                         '"working_weekend_days": …}}}')
    calendar, now, notices = _known_calendar(), utcnow(), []
    for year_text, entry in raw["years"].items():
        calendar, notice = _enter(calendar, year_text, entry, "the file", now, actor_username)
        notices.append(notice)
    db.session.flush()
    return notices


def check_year(year_text: str, entry: dict) -> workdays.Notice:
    """One year's entry checked as `enter_year` checks it, and nothing stored: the notice it
    would enter. Raises EntryRefused."""
    year = workdays.read_year(year_text, entry, "the entry", strict=True)
    _known_calendar().with_year(year)
    return year.notice


def enter_year(year_text: str, entry: dict, *, actor_username: str) -> workdays.Notice:
    """One year's entry (an admin's, from the desk) stored with its audit entry in the caller's
    transaction. Raises EntryRefused and stores nothing if it is not right."""
    _calendar, notice = _enter(_known_calendar(), year_text, entry, "the entry", utcnow(), actor_username)
    db.session.flush()
    return notice


def forget_entered() -> None:
    """After the commit: this worker counts with the years entered at once (the others within
    workdays.ENTERED_RECHECK_S)."""
    entered = workdays.entered_years()
    if entered is not None:
        entered.forget()


def forget_after_commit() -> None:
    """`forget_entered` once the request's transaction commits (app.py commits after the view)."""
    sa.event.listen(db.session(), "after_commit", lambda _session: forget_entered(), once=True)


def _known_calendar() -> workdays.Calendar:
    entered = workdays.entered_years()
    return entered.merged() if entered is not None else workdays.CALENDAR


def _enter(calendar: workdays.Calendar, year_text: str, entry, source: str, now: datetime,
           actor_username: str) -> tuple[workdays.Calendar, workdays.Notice]:
    year = workdays.read_year(year_text, entry, source, strict=True)
    calendar = calendar.with_year(year)  # known already, or a day both: EntryRefused
    stored, n = canonical_text(entry), year.notice
    try:  # another admin's entry of the year may have committed since the calendar was read
        with db.session.begin_nested():
            db.session.add(CalendarYear(year=n.year, entry=stored, entered_at=now))
    except sa.exc.IntegrityError:
        raise workdays.EntryRefused(f"{n.year} is known already (entered meanwhile)",
                                    f"{n.year} 年的节假日安排刚刚已由他人录入，不能再次录入。") from None
    record_event(ENTERED, actor_username=actor_username, object_type="calendar_year",
                 object_id=n.year, details={
                     "year": n.year, "title": n.title, "number": n.number,
                     "issued": n.issued.isoformat(), "url": n.url,
                     "holidays": len(n.holidays), "working_weekend_days": len(n.working_weekend_days),
                     "entry_sha256": entry_sha256(stored)})
    return calendar, replace(n, entered_at=now)


def stored_years() -> list[tuple[str, dict, datetime]]:
    rows = db.session.execute(sa.select(CalendarYear.year, CalendarYear.entry, CalendarYear.entered_at)
                              .order_by(CalendarYear.year)).all()
    return [(str(year), json.loads(entry), entered_at) for year, entry, entered_at in rows]


def app_entered_years() -> workdays.EnteredYears | None:
    return current_app.extensions.get("calendar_years") if has_app_context() else None
