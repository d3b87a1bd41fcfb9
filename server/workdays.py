"""The official Chinese working-day calendar, and the counting of legal time limits on it.

Owns server/data/cn-workdays.json: per year, the State Council General Office notice
(国务院办公厅关于XXXX年部分节假日安排的通知) with its holidays (放假) and the weekend days worked in
exchange (调休上班). A date of a year the file does not hold raises `CalendarYearUnknown`, which the
API answers as problem+json `calendar.year_unknown` ("2027 年节假日安排尚未录入，无法计算期限"):
a deadline is never guessed.

How a period is counted (every function below follows it):
- The day of the event is not counted; the period starts the next day. 《民法典》第二百零一条:
  "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。"
- A period counted in calendar days whose last day is not a working day ends on the next
  working day. 《民法典》第二百零三条: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的
  最后一日。" A Saturday or Sunday worked by 调休 is a working day, so a period may end on it.
- Short periods of 《行政处罚法》 (2021) are working days: 第八十五条 "本法中'二日''三日''五日''七日'
  的规定是指工作日，不含法定节假日。" Such a period ends on the n-th working day after the event,
  which is a working day by construction.
  # legal-review: 第八十五条 quoted from memory and secondary sources, not yet from the official
  # text (flk.npc.gov.cn); 第二百零一条/第二百零三条 checked against a published copy of 《民法典》.
  Which periods of a case count working days and which calendar days is for the caller
  (server/cases/) to say, citing its article.

The next year's notice may move days at the end of a known year (the 2019 notice made
2018-12-29 a working day); such days are listed under that next notice, with their own dates.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn-workdays.json"


class CalendarYearUnknown(LookupError):
    """A date of a year whose official holiday arrangement is not in the data file."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"{year} 年节假日安排尚未录入，无法计算期限。请管理员录入国务院办公厅"
                         f"关于 {year} 年部分节假日安排的通知后重试。")


@dataclass(frozen=True)
class Notice:
    """One year's State Council General Office notice, as the data file cites it."""
    year: int
    title: str
    number: str
    issued: date
    url: str
    holidays: tuple[tuple[str, date, date], ...]   # (name, first day, last day)
    working_weekend_days: tuple[date, ...]


@dataclass(frozen=True)
class Calendar:
    """The days the data file names: holidays and worked weekend days, and the years known."""
    notices: dict[int, Notice]
    holidays: dict[date, str]
    working_weekend_days: frozenset[date]

    def check_known(self, day: date) -> None:
        if day.year not in self.notices:
            raise CalendarYearUnknown(day.year)

    def is_working_day(self, day: date) -> bool:
        self.check_known(day)
        if day in self.working_weekend_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{DATA_FILE.name}: {where}: not a date: {value!r}") from None


def load_calendar(path: Path = DATA_FILE) -> Calendar:
    """Read and check the data file: dates valid, worked days on weekends, no day both."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    notices: dict[int, Notice] = {}
    holidays: dict[date, str] = {}
    worked: set[date] = set()
    for year_text, entry in raw["years"].items():
        year = int(year_text)
        spans = []
        for h in entry["holidays"]:
            first, last = _date(h["from"], year_text), _date(h["to"], year_text)
            if last < first or (last - first).days > 15:
                raise ValueError(f"{path.name}: {year}: holiday {h['name']} spans {first}..{last}")
            spans.append((h["name"], first, last))
            day = first
            while day <= last:
                holidays[day] = h["name"]
                day += timedelta(days=1)
        days = []
        for w in entry["working_weekend_days"]:
            day = _date(w["date"], year_text)
            if day.weekday() < 5:
                raise ValueError(f"{path.name}: {year}: {day} is a weekday, not a worked weekend day")
            days.append(day)
        worked.update(days)
        n = entry["notice"]
        if not n["url"].startswith("https://www.gov.cn/") or str(year) not in n["title"]:
            raise ValueError(f"{path.name}: {year}: the notice must be the year's, on www.gov.cn")
        notices[year] = Notice(year, n["title"], n["number"], _date(n["issued"], year_text), n["url"],
                               tuple(spans), tuple(days))
    both = worked & holidays.keys()
    if both:
        raise ValueError(f"{path.name}: both holiday and working day: {sorted(both)}")
    return Calendar(notices, holidays, frozenset(worked))


CALENDAR = load_calendar()


def known_years() -> list[Notice]:
    """The years whose official arrangement is in the data file, oldest first, with their notice."""
    return [CALENDAR.notices[y] for y in sorted(CALENDAR.notices)]


def is_working_day(day: date) -> bool:
    """Monday to Friday unless a holiday, or a weekend day worked by 调休."""
    return CALENDAR.is_working_day(day)


def holiday_name(day: date) -> str | None:
    """The holiday `day` belongs to (e.g. "春节"), or None."""
    CALENDAR.check_known(day)
    return CALENDAR.holidays.get(day)


def add_working_days(start: date, n: int) -> date:
    """The last day of a period of `n` working days from the event on `start`: the n-th working
    day after `start` (`start` itself is not counted). n ≥ 1."""
    if n < 1:
        raise ValueError("a period of working days has at least one day")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (so that
    working_days_between(d, add_working_days(d, n)) == n); negative when `end` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_calendar_days_with_holiday_extension(start: date, n: int) -> date:
    """The last day of a period of `n` calendar days from the event on `start` (start not
    counted), moved to the next working day when it falls on a holiday or a rest day
    (《民法典》第二百零三条). n ≥ 1."""
    if n < 1:
        raise ValueError("a period of days has at least one day")
    return next_working_day(start + timedelta(days=n))
