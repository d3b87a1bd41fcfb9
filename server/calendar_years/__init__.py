"""Years of the working-day calendar entered by an admin, once the State Council publishes them.

The data file (server/data/cn-workdays.json) holds the years known at a release. The next year's
notice comes out in November or December, and from then on a legal period counted from a date
late in the year reaches into it: without it, deadlines are refused (`calendar.year_unknown`),
and the cases whose steps depend on them wait. So an admin enters the year from its notice, on
the review desk's 节假日安排 page (static/review/js/calendar.js and calendar_entry.js: `POST /api/calendar/years/check`
shows it as it would be counted, storing nothing; `POST /api/calendar/years` enters it) or on
the server:

    flask --app server calendar add notice-2027.json

The entry has the data file's shape (`{"years": {"2027": {"notice": …, "holidays": […],
"working_weekend_days": […]}}}`), checked strictly (server/workdays.read_year): the notice on
www.gov.cn, every day in the year or the last days of the one before, worked days on weekends,
no day both a holiday and worked, no year known already. It is stored as its canonical JSON
text, one row per year, written once; the audit log's `calendar.year_entered` entry holds the
notice and the text's SHA-256, so `audit verify` finds a stored year edited, added or removed
behind the log's back. Each worker merges the entered years with the file's
(workdays.EnteredYears): a year entered while the app runs is counted with within
workdays.ENTERED_RECHECK_S.

A year entered is the admin's reading of the notice: the API and the command line say so
(`entered_at`), for a legal reviewer to check it against the official text, as the data file's
years were. One found wrong is corrected on the same page: entered again whole, with the reason
(`POST /api/calendar/years/{year}/corrections`, checked first by `…/corrections/check`), naming
the SHA-256 of the entry it corrects, so that a correction committed meanwhile is refused rather
than overwritten. Each correction is a row of its own (`calendar_year_corrections`, written
once); the latest is the year counted with, by every worker within ENTERED_RECHECK_S (a known
entered year is read again then too); the entry and the corrections before stay stored, each
vouched for by its audit entry (`calendar.year_corrected`: the reason, the SHA-256 of the entry
replaced and of the correction). A year of the data file is corrected by a release only.

A legal reviewer checks an entered year against its notice on the same page: 核对无误, or 有误
saying what (`POST /api/calendar/years/{year}/checks`), a write-once row of
`calendar_year_checks` naming the SHA-256 of the entry checked, so that a correction after it
leaves the year unchecked again; vouched for by `calendar.year_checked`. Whoever entered the
year or last corrected it cannot check it (two people: one types, another checks).
"""
from __future__ import annotations


def init_app(app) -> None:
    """The table; the app's entered years, merged with the data file's wherever a deadline is
    counted in its context; the stored years vouched for by the audit log."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from .. import workdays
    from ..audit import vouch_for
    from . import models  # noqa: F401 - the table, for SQLAlchemy and Alembic
    from .service import app_entered_years, stored_years
    from .vouched import CHECKS, CORRECTIONS, YEARS

    app.extensions["calendar_years"] = workdays.EnteredYears(stored_years)
    workdays.entered_years = app_entered_years
    vouch_for(app, YEARS, CORRECTIONS, CHECKS)
