"""A time is stored in UTC with its time zone required (server/database.py, UTCDateTime). On
SQLite, its text is made in one step (`_sqlite_utc_text`, issue 19): it must be the text that
SQLAlchemy's own DATETIME writes after the time is moved to UTC, for every time, since SQLite
compares and sorts these texts."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from server.database import UTCDateTime

_SQLITE = sqlite.dialect()
_OURS = UTCDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
_SQLALCHEMYS = sa.DateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
_ZONES = st.sampled_from([timezone.utc, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"),
                          ZoneInfo("Australia/Lord_Howe"), timezone(timedelta(hours=-12)),
                          timezone(timedelta(hours=14)), timezone(timedelta(hours=5, minutes=45))])


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=_ZONES))
def test_a_time_is_written_as_sqlalchemy_writes_it_in_utc(value):
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    assert _OURS(value) == _SQLALCHEMYS(utc)


def test_whole_seconds_keep_six_digits_and_early_years_four():
    assert _OURS(datetime(2026, 12, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))) == "2026-12-02 00:00:00.000000"
    assert _OURS(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)) == "0999-01-02 03:04:05.000006"


def test_a_naive_time_is_refused_and_none_stays_none():
    with pytest.raises(ValueError, match="naive"):
        _OURS(datetime(2026, 12, 2, 8, 0))
    assert _OURS(None) is None
