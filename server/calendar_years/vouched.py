"""What the audit log vouches for of the entered years, for `audit verify` (server/audit/vouched.py):
each year's entry, by the SHA-256 of its stored text, as `calendar.year_entered` said it."""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import CalendarYear
from .service import ENTERED, entry_sha256


def _expect(entry: Entry):
    yield entry.object_id, {"entry_sha256": entry.details["entry_sha256"]}


def _rows():
    for year, text in db.session.execute(sa.select(CalendarYear.year, CalendarYear.entry)
                                         .order_by(CalendarYear.year)):
        yield str(year), f"year {year}", {"entry_sha256": entry_sha256(text)}


YEARS = VouchedKind(table="calendar_years", actions=(ENTERED,), expect=_expect, rows=_rows,
                    labels={"entry_sha256": "the year's holidays and worked days as entered"})
