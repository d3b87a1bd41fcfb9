"""A time is stored in UTC with its time zone required (server/database.py, UTCDateTime). On
SQLite, its text is made in one step (`_sqlite_utc_text`, issue 19): it must be the text that
SQLAlchemy's own DATETIME writes after the time is moved to UTC, for every time, since SQLite
compares and sorts these texts. It is made from `clock.utc_iso`'s text, which a sync makes first
for the record's audit facts and which is remembered for times of a fixed offset."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from server import clock
from server.clock import utc_iso
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


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=_ZONES),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_a_remembered_utc_text_is_the_one_made_anew(value, minutes):
    expected = value.astimezone(timezone.utc).isoformat()
    same_instant = value.astimezone(timezone(timedelta(minutes=minutes)))
    assert utc_iso(same_instant) == expected  # remembered under an equal key, at another offset
    assert utc_iso(value) == expected
    assert utc_iso(value) == expected
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    assert _OURS(value) == _SQLALCHEMYS(utc) and _OURS(same_instant) == _SQLALCHEMYS(utc)


def test_times_that_differ_only_in_fold_keep_their_own_utc_text():
    zone = ZoneInfo("America/New_York")
    first, second = datetime(2026, 11, 1, 1, 30, tzinfo=zone), datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone)
    assert first == second  # same zone, same wall time: equal, though an hour apart
    assert (utc_iso(first), utc_iso(second)) == ("2026-11-01T05:30:00+00:00", "2026-11-01T06:30:00+00:00")
    assert (_OURS(first), _OURS(second)) == ("2026-11-01 05:30:00.000000", "2026-11-01 06:30:00.000000")


def test_at_most_so_many_utc_texts_are_kept():
    start = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    for minute in range(clock._UTC_TEXTS_KEPT * 3):
        utc_iso(start + timedelta(minutes=minute))
    assert 0 < len(clock._utc_texts) <= clock._UTC_TEXTS_KEPT
