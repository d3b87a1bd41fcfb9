"""The months a figure covers, in the bureau's time (Asia/Shanghai), and their UTC bounds."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import LOCAL_ZONE, local_today
from ..errors import ApiError

MAX_MONTHS = 36
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE)


@dataclass(frozen=True)
class Period:
    first: date  # the first day of the first month
    last: date   # the first day of the last month

    @property
    def months(self) -> list[date]:
        months, day = [], self.first
        while day <= self.last:
            months.append(day)
            day = next_month(day)
        return months

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.first)

    @property
    def ends_before(self) -> datetime:
        return local_midnight(next_month(self.last))

    @property
    def last_day(self) -> date:
        return next_month(self.last) - timedelta(days=1)

    def as_of(self, month: date | None = None) -> date:
        """The day a state is read on for a month (or the whole period): its last day, or today
        if that is still to come."""
        end = next_month(month) - timedelta(days=1) if month else self.last_day
        return min(end, local_today())

    def label(self) -> str:
        first, last = month_key(self.first), month_key(self.last)
        return first if first == last else f"{first} 至 {last}"


def parse_month(text: str) -> date:
    match = MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2199:
        raise ApiError("oversight.period_invalid")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_period(first: str | None, last: str | None) -> Period:
    """`YYYY-MM` to `YYYY-MM`; by default the last six months up to this one."""
    this_month = month_start(local_today())
    end = parse_month(last) if last else this_month
    if first:
        start = parse_month(first)
    else:
        start = end
        for _ in range(5):
            start = month_start(start - timedelta(days=1))
    period = Period(start, end)
    if start > end or len(period.months) > MAX_MONTHS:
        raise ApiError("oversight.period_invalid")
    return period
