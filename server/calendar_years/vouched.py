"""What the audit log vouches for of the entered years, for `audit verify` (server/audit/vouched.py):
each year's entry, by the SHA-256 of its stored text, as `calendar.year_entered` said it; each
correction's entry and reason, as `calendar.year_corrected` said them; each legal reviewer's
check (the entry it was made on, the verdict and note), as `calendar.year_checked` said it."""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import CalendarYear, CalendarYearCheck, CalendarYearCorrection
from .service import CHECKED, CORRECTED, ENTERED, entry_sha256


def _expect(entry: Entry):
    yield entry.object_id, {"entry_sha256": entry.details["entry_sha256"]}


def _rows():
    for year, text in db.session.execute(sa.select(CalendarYear.year, CalendarYear.entry)
                                         .order_by(CalendarYear.year)):
        yield str(year), f"year {year}", {"entry_sha256": entry_sha256(text)}


YEARS = VouchedKind(table="calendar_years", actions=(ENTERED,), expect=_expect, rows=_rows,
                    labels={"entry_sha256": "the year's holidays and worked days as entered"})


def _expect_correction(entry: Entry):
    d = entry.details
    yield f"{d['year']}/{d['correction']}", {"entry_sha256": d["entry_sha256"], "reason": d["reason"]}


def _correction_rows():
    c = CalendarYearCorrection
    for year, number, text, reason in db.session.execute(
            sa.select(c.year, c.number, c.entry, c.reason).order_by(c.year, c.number)):
        yield f"{year}/{number}", f"year {year} correction {number}", {"entry_sha256": entry_sha256(text),
                                                                       "reason": reason}


CORRECTIONS = VouchedKind(table="calendar_year_corrections", actions=(CORRECTED,), expect=_expect_correction,
                          rows=_correction_rows,
                          labels={"entry_sha256": "the year's holidays and worked days as corrected",
                                  "reason": "the reason for the correction"})


_CHECK_FACTS = ("entry_sha256", "verdict", "note", "reviewer")


def _expect_check(entry: Entry):
    d = entry.details
    yield f"{d['year']}/{d['check']}", {k: d[k] for k in _CHECK_FACTS}


def _check_rows():
    c = CalendarYearCheck
    query = sa.select(c.year, c.number, c.entry_sha256, c.verdict, c.note, c.reviewer_username)
    for year, number, *facts in db.session.execute(query.order_by(c.year, c.number)):
        yield f"{year}/{number}", f"year {year} check {number}", dict(zip(_CHECK_FACTS, facts, strict=True))


CHECKS = VouchedKind(table="calendar_year_checks", actions=(CHECKED,), expect=_expect_check, rows=_check_rows,
                     labels={"entry_sha256": "the entry checked", "verdict": "the verdict", "note": "what is wrong",
                             "reviewer": "the legal reviewer"})
