"""Entering a year of the calendar, and reading the years entered (server/calendar_years)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context

from .. import workdays
from ..accounts.models import User
from ..audit.fast_canonical import canonical_text
from ..audit.models import AuditEntry, AuditQueued
from ..audit.service import record_event
from ..clock import utcnow
from ..extensions import db
from .models import CalendarYear, CalendarYearCheck, CalendarYearCorrection

ENTERED = "calendar.year_entered"
CORRECTED = "calendar.year_corrected"
CHECKED = "calendar.year_checked"


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


def check_correction(year_text: str, entry: dict, *, corrects_sha256: str | None = None) -> workdays.Notice:
    """A correction of an entered year checked as `correct_year` checks it, and nothing stored:
    the notice it would put in the year's place. Raises EntryRefused."""
    _calendar, year, _known = _corrected(_known_calendar(), year_text, entry, corrects_sha256)
    return year.notice


def correct_year(year_text: str, entry: dict, *, reason: str, corrects_sha256: str | None,
                 actor_username: str) -> workdays.Notice:
    """An entered year entered again, whole, with the admin's reason, in the caller's
    transaction: the year counted with from the commit on (the other workers within
    workdays.ENTERED_RECHECK_S); the entry it replaces stays stored, and both are in the audit
    log. `corrects_sha256`: the SHA-256 of the entry the admin corrected (the API's
    `entry_sha256`), so that a correction made meanwhile is not silently overwritten. Raises
    EntryRefused and stores nothing if the correction is not right."""
    _calendar, year, known = _corrected(_known_calendar(), year_text, entry, corrects_sha256)
    stored, n, now = canonical_text(entry), year.notice, utcnow()
    number = known.correction + 1
    try:  # another admin's correction may have committed since the calendar was read
        with db.session.begin_nested():
            db.session.add(CalendarYearCorrection(year=n.year, number=number, entry=stored, reason=reason,
                                                  entered_at=now))
    except sa.exc.IntegrityError:
        raise _changed_meanwhile(n.year) from None
    record_event(CORRECTED, actor_username=actor_username, object_type="calendar_year",
                 object_id=n.year, details={
                     "year": n.year, "correction": number, "reason": reason,
                     "title": n.title, "number": n.number, "issued": n.issued.isoformat(), "url": n.url,
                     "holidays": len(n.holidays), "working_weekend_days": len(n.working_weekend_days),
                     "corrects_sha256": known.entry_sha256, "entry_sha256": entry_sha256(stored)})
    db.session.flush()
    return replace(n, entered_at=known.entered_at, corrected_at=now, correction=number,
                   correction_reason=reason, entry_sha256=entry_sha256(stored))


def _corrected(calendar: workdays.Calendar, year_text: str, entry, corrects_sha256: str | None):
    """(the calendar with the corrected year in the known one's place, the year, the known
    year's notice), or EntryRefused."""
    year = workdays.read_year(year_text, entry, "the correction", strict=True)
    n = year.notice.year
    known = calendar.notices.get(n)
    if known is None:
        raise workdays.EntryRefused(f"{n} is not known yet: enter it, not correct it",
                                    f"{n} 年的节假日安排尚未录入，无需更正，请直接录入。")
    if known.entered_at is None:
        raise workdays.EntryRefused(
            f"{n} comes with the release (server/data/cn-workdays.json): a release corrects it",
            f"{n} 年的节假日安排随系统版本发布，不能在此更正；如与通知不符，请联系系统维护人员。")
    if corrects_sha256 is not None and corrects_sha256 != known.entry_sha256:
        raise _changed_meanwhile(n)
    if entry_sha256(canonical_text(entry)) == known.entry_sha256:
        raise workdays.EntryRefused(f"{n}: the correction is the entry counted with already",
                                    f"更正后的内容与 {n} 年现有的节假日安排完全相同，无需更正。")
    return calendar.without(n).with_year(year), year, known


def _changed_meanwhile(year: int) -> workdays.EntryRefused:
    return workdays.EntryRefused(f"{year} was corrected meanwhile",
                                 f"{year} 年的节假日安排刚刚已由他人更正，请刷新页面，对照最新内容后再更正。")


def check_against_notice(year: int, *, entry_sha256: str, verdict: str, note: str | None,
                         reviewer_username: str) -> tuple[workdays.Notice, dict]:
    """A legal reviewer's check of an entered year against its notice (`confirmed`, or `wrong`
    with what is wrong in `note`), made on the entry whose SHA-256 the reviewer saw, stored with
    its audit entry in the caller's transaction: the year's notice and its check as `year_checks`
    gives it.
    Raises EntryRefused, storing nothing, if the year is not an entered one, was corrected since,
    or was entered or last corrected by the reviewer (two people: one enters, another checks)."""
    known = _known_calendar().notices.get(year)
    if known is None or known.entered_at is None:
        raise workdays.EntryRefused(f"{year} is not a year an admin entered: nothing to check",
                                    f"{year} 年不是管理员录入的年份，无需在此核对。")
    if entry_sha256 != known.entry_sha256:
        raise workdays.EntryRefused(f"{year} was corrected since",
                                    f"{year} 年的节假日安排刚刚已被更正，请刷新页面，对照最新内容核对。")
    if _entered_by(year) == reviewer_username:
        raise workdays.EntryRefused(f"{year} was entered or last corrected by {reviewer_username}, who cannot check it",
                                    f"{year} 年的节假日安排是您录入或最近更正的，须由其他法制审核人员核对。")
    number = (db.session.execute(sa.select(sa.func.max(CalendarYearCheck.number))
                                 .where(CalendarYearCheck.year == year)).scalar() or 0) + 1
    row = CalendarYearCheck(year=year, number=number, entry_sha256=entry_sha256, verdict=verdict, note=note,
                            reviewer_username=reviewer_username, checked_at=utcnow())
    try:  # another reviewer's check may have committed since the number was read
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        raise workdays.EntryRefused(f"{year} was checked meanwhile",
                                    f"{year} 年的节假日安排刚刚已有他人核对，请刷新页面查看。") from None
    record_event(CHECKED, actor_username=reviewer_username, object_type="calendar_year", object_id=year,
                 details={"year": year, "check": number, "entry_sha256": entry_sha256, "verdict": verdict,
                          "note": note, "reviewer": reviewer_username})
    db.session.flush()
    return known, _check_view(row)


def year_checks(notices: list[workdays.Notice]) -> dict[int, dict]:
    """Each of these entered years' latest check, if it was made on the entry counted with now (a
    correction after a check leaves the year unchecked): year -> {verdict, note, by, at}."""
    current = {n.year: n.entry_sha256 for n in notices if n.entered_at}
    latest = {}
    for row in db.session.execute(sa.select(CalendarYearCheck).order_by(CalendarYearCheck.year,
                                                                       CalendarYearCheck.number)).scalars():
        if current.get(row.year) == row.entry_sha256:
            latest[row.year] = row
    return {year: _check_view(row) for year, row in latest.items()}


def _check_view(row: CalendarYearCheck) -> dict:
    name = db.session.execute(sa.select(User.display_name).where(User.username == row.reviewer_username)).scalar()
    return {"verdict": row.verdict, "note": row.note, "by": row.reviewer_username,
            "by_name": name or row.reviewer_username, "at": row.checked_at}


def _entered_by(year: int) -> str | None:
    """Who entered the year or last corrected it, as the audit log says (the entries that vouch
    for the rows): an entry still queued (PostgreSQL, just committed) is newer than any in the log."""
    for table, order in ((AuditQueued, AuditQueued.id), (AuditEntry, AuditEntry.seq)):
        actor = db.session.execute(
            sa.select(table.actor_username)
            .where(table.object_type == "calendar_year", table.object_id == str(year),
                   table.action.in_((ENTERED, CORRECTED)))
            .order_by(order.desc()).limit(1)).scalar()
        if actor is not None:
            return actor
    return None


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
    return calendar, replace(n, entered_at=now, entry_sha256=entry_sha256(stored))


def stored_years() -> list[tuple[str, dict, dict]]:
    """Each entered year as it is counted with: its latest correction's entry, if any, else
    the entry; with when it was entered and its latest correction (workdays.EnteredYears)."""
    latest = {}
    for row in db.session.execute(sa.select(CalendarYearCorrection).order_by(
            CalendarYearCorrection.year, CalendarYearCorrection.number)).scalars():
        latest[row.year] = row
    years = []
    for year, text, entered_at in db.session.execute(
            sa.select(CalendarYear.year, CalendarYear.entry, CalendarYear.entered_at).order_by(CalendarYear.year)):
        facts = {"entered_at": entered_at}
        if (correction := latest.get(year)) is not None:
            text = correction.entry
            facts.update(corrected_at=correction.entered_at, correction=correction.number,
                         correction_reason=correction.reason)
        years.append((str(year), json.loads(text), {**facts, "entry_sha256": entry_sha256(text)}))
    return years


def app_entered_years() -> workdays.EnteredYears | None:
    return current_app.extensions.get("calendar_years") if has_app_context() else None
