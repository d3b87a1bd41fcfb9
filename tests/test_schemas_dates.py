"""A date or time out of 1900-01-01..2199-12-31 is refused in zh-CN, at every offset, and one
within is kept: the bound check's year shortcut (server/schemas.py `_Within`) answers as the
full comparison does, right at the bounds too."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from server.schemas import _TIME_MAX, _TIME_MIN, DATE_MAX, DATE_MIN, aware_datetime, bounded_date


def _accepted(field, value) -> bool:
    try:
        for check in field.validators:
            check(value)
    except ValidationError as refused:
        assert "之间" in refused.messages[0]
        return False
    return True


def test_times_at_any_offset_are_refused_exactly_outside_the_bounds():
    field, rng = aware_datetime(), random.Random(7)
    moments = [_TIME_MIN, _TIME_MAX]
    for bound in (_TIME_MIN, _TIME_MAX):
        moments += [bound + timedelta(microseconds=step) for step in (-1, 1)]
        moments += [bound + timedelta(hours=rng.uniform(-60, 60)) for _ in range(200)]
    start = datetime(1900, 1, 1, tzinfo=timezone.utc)
    moments += [start + timedelta(days=rng.uniform(0, 300 * 366)) for _ in range(500)]
    for moment in moments:
        for minutes in (-12 * 60, -570, -1, 0, 1, 345, 8 * 60, 14 * 60):
            shown = moment.astimezone(timezone(timedelta(minutes=minutes)))
            assert _accepted(field, shown) is (_TIME_MIN <= moment <= _TIME_MAX), shown


@pytest.mark.parametrize("day, accepted", [
    (DATE_MIN, True), (DATE_MAX, True), (DATE_MIN - timedelta(days=1), False),
    (DATE_MAX + timedelta(days=1), False), (date(2026, 12, 3), True), (date(1899, 6, 1), False),
])
def test_dates_are_refused_outside_the_bounds(day, accepted):
    assert _accepted(bounded_date(), day) is accepted
