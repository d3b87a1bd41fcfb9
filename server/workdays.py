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

A year published after a release is entered by an admin (the review desk's 节假日安排 page, or
`flask --app server calendar add FILE`; server/calendar_years/): it is stored in the database,
vouched for by the audit log, and merged here with the file's years (`entered_years`, the app's
source of them). A worker learns of a year entered since it last looked within
ENTERED_RECHECK_S.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn-workdays.json"


class CalendarYearUnknown(LookupError):
    """A date of a year whose official holiday arrangement is not in the data file."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"{year} 年节假日安排尚未录入，无法计算期限。请管理员录入国务院办公厅"
                         f"关于 {year} 年部分节假日安排的通知后重试。")


class EntryRefused(ValueError):
    """A year's entry that is not right: `str()` says what is wrong in English (the command
    line, the logs), `zh` in Chinese for the admin's page."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


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
    entered_at: datetime | None = None  # entered by an admin (not in the data file): when
    # An entered year corrected (server/calendar_years): the latest correction's time, number
    # (from 1) and reason; the SHA-256 of the entry counted with, which a correction names.
    corrected_at: datetime | None = None
    correction: int = 0
    correction_reason: str | None = None
    entry_sha256: str | None = None


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

    def with_year(self, year: YearEntry) -> Calendar:
        """This calendar and one more year's notice. Raises ValueError if the year is known
        already, or if a day would be both a holiday and a worked weekend day (EntryRefused)."""
        if year.notice.year in self.notices:
            known = self.notices[year.notice.year]
            raise EntryRefused(f"{year.notice.year} is known already ({known.number})",
                               f"{year.notice.year} 年的节假日安排已录入（{known.number}），不能再次录入。")
        holidays = {**self.holidays, **year.holidays}
        worked = self.working_weekend_days | year.working_weekend_days
        both = worked & holidays.keys()
        if both:
            days = ", ".join(map(str, sorted(both)))
            raise EntryRefused(f"{year.notice.year}: both holiday and working day: {days}",
                               f"{year.notice.year} 年：以下日期既是放假日又是调休上班日：{days}。")
        return Calendar({**self.notices, year.notice.year: year.notice}, holidays, worked)

    def without(self, year: int) -> Calendar:
        """This calendar without `year`'s notice and the days it names (some may lie in the
        year before), to put a corrected entry of the year in its place."""
        notice = self.notices[year]
        named = {day for _name, first, last in notice.holidays
                 for day in (first + timedelta(days=i) for i in range((last - first).days + 1))}
        return Calendar({y: n for y, n in self.notices.items() if y != year},
                        {d: name for d, name in self.holidays.items() if d not in named},
                        self.working_weekend_days - set(notice.working_weekend_days))


@dataclass(frozen=True)
class YearEntry:
    """One year of the data file, read and checked on its own: its notice and its days."""
    notice: Notice
    holidays: dict[date, str]
    working_weekend_days: frozenset[date]


def _date(value, where: str, zh: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise EntryRefused(f"{where}: not a date: {value!r}", f"{zh}：“{value}”不是有效日期。") from None


_ENTRY_KEYS_ZH = {"notice": "通知", "title": "通知标题", "number": "文号", "issued": "发布日期", "url": "网址",
                  "holidays": "放假安排", "working_weekend_days": "调休上班日期", "name": "节日名称",
                  "from": "放假开始日期", "to": "放假结束日期", "date": "调休上班日期"}


def read_year(year_text: str, entry: dict, source: str, *, strict: bool = False) -> YearEntry:
    """One year's entry of the data file's shape, checked: dates valid, holidays of at most 16
    days, worked days on weekends, the notice the year's on www.gov.cn (a day both a holiday and
    worked is found by Calendar.with_year, across years too). `strict` (a year an
    admin enters): also every day in that year or the last days of the year before (a notice
    may move those), at least one holiday, and nothing unknown in the entry. Raises ValueError
    naming `source` and what is wrong (EntryRefused, which also says it in Chinese)."""
    where, zh = f"{source}: {year_text}", f"{year_text} 年"
    try:
        year = int(year_text)
    except (TypeError, ValueError):
        raise EntryRefused(f"{where}: not a year", f"{zh}：不是年份。") from None
    if not isinstance(entry, dict):
        raise EntryRefused(f"{where}: not an object with notice, holidays and working_weekend_days",
                           f"{zh}：应包含通知、放假日期和调休上班日期。")
    if strict:
        unknown = set(entry) - {"notice", "holidays", "working_weekend_days"}
        if unknown or not 2000 <= year <= 2200:
            what = ", ".join(sorted(unknown)) or str(year)
            raise EntryRefused(f"{where}: not a year's entry (unknown: {what})",
                               f"{zh}：不是一年的节假日安排（无法识别：{what}）。")
        if not entry.get("holidays"):
            raise EntryRefused(f"{where}: a notice names its holidays: none given",
                               f"{zh}：未填写任何放假日期，请按通知填写。")
    try:
        spans, holidays = [], {}
        for h in entry["holidays"]:
            first, last = _date(h["from"], where, zh), _date(h["to"], where, zh)
            if last < first or (last - first).days > 15:
                raise EntryRefused(f"{where}: holiday {h['name']} spans {first}..{last}",
                                   f"{zh}：{h['name']}的放假日期 {first} 至 {last} 不对"
                                   "（结束日期早于开始日期，或超过 16 天）。")
            name = str(h["name"])
            spans.append((name, first, last))
            day = first
            while day <= last:
                holidays[day] = name
                day += timedelta(days=1)
        days = []
        for w in entry["working_weekend_days"]:
            day = _date(w["date"], where, zh)
            if day.weekday() < 5:
                raise EntryRefused(f"{where}: {day} is a weekday, not a worked weekend day",
                                   f"{zh}：{day} 是工作日（周一至周五），不是调休上班的周末。")
            days.append(day)
        n = entry["notice"]
        if not str(n["url"]).startswith("https://www.gov.cn/") or str(year) not in str(n["title"]):
            raise EntryRefused(f"{where}: the notice must be the year's, on www.gov.cn",
                               f"{zh}：通知须为该年的通知（标题含年份），网址须在 www.gov.cn。")
        notice = Notice(year, str(n["title"]), str(n["number"]), _date(n["issued"], where, zh), str(n["url"]),
                        tuple(spans), tuple(days))
    except (KeyError, TypeError) as missing:
        raise EntryRefused(f"{where}: not in the data file's shape (missing or wrong: {missing})",
                           f"{zh}：缺少或填错了{_ENTRY_KEYS_ZH.get(_missing_key(missing), '必填项')}。") from None
    if strict:
        outside = sorted(d for d in [*holidays, *days]
                         if not (d.year == year or (d.year == year - 1 and d.month == 12 and d.day >= 20)))
        if outside:
            days = ", ".join(map(str, outside))
            raise EntryRefused(f"{where}: days outside the year (or the end of the one before): {days}",
                               f"{zh}：以下日期不在该年（或上一年 12 月 20 日以后）：{days}。")
    return YearEntry(notice, holidays, frozenset(days))


def _missing_key(error: Exception):
    return error.args[0] if isinstance(error, KeyError) and error.args else None


def load_calendar(path: Path = DATA_FILE) -> Calendar:
    """Read and check the data file: dates valid, worked days on weekends, no day both."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    calendar = Calendar({}, {}, frozenset())
    for year_text, entry in raw["years"].items():
        calendar = calendar.with_year(read_year(year_text, entry, path.name))
    return calendar


CALENDAR = load_calendar()
"""The data file's years."""

ENTERED_RECHECK_S = 60.0
"""How long a worker trusts that a year is not entered, before it asks the database again."""


class EnteredYears:
    """An app's years entered by an admin (server/calendar_years/), merged with the data
    file's: `read()` gives every stored year's (year, entry, {Notice field: value}: when it was
    entered, its latest correction), in the app's context. A year known is read again after
    ENTERED_RECHECK_S too, since a correction may have changed it in another process."""

    def __init__(self, read: Callable[[], list[tuple[str, dict, dict]]]):
        self._read = read
        self._lock = threading.Lock()
        self._calendar = CALENDAR
        self._read_at = -ENTERED_RECHECK_S  # monotonic time of the last read: never
        self._missing: dict[int, float] = {}  # year -> when it was last found missing

    def calendar_knowing(self, year: int) -> Calendar | None:
        """The calendar with `year`, if it is entered; None if not (asked again after
        ENTERED_RECHECK_S)."""
        calendar = self._calendar
        if year in calendar.notices and (not calendar.notices[year].entered_at
                                         or time.monotonic() - self._read_at < ENTERED_RECHECK_S):
            return calendar
        with self._lock:
            if year in calendar.notices:  # an entered year, read long enough ago: read it again
                if time.monotonic() - self._read_at >= ENTERED_RECHECK_S:  # unless a thread just did
                    self._calendar = self._merged_now()
                return self._calendar if year in self._calendar.notices else None
            asked = self._missing.get(year)
            if asked is not None and time.monotonic() - asked < ENTERED_RECHECK_S:
                return None
            calendar = self._calendar = self._merged_now()
            if year in calendar.notices:
                self._missing.pop(year, None)
                return calendar
            self._missing[year] = time.monotonic()
            return None

    def calendar_for(self, day: date) -> Calendar:
        """The calendar that knows `day`, or CalendarYearUnknown. A day at the end of December
        asks for the next year too: its notice may move that day."""
        if day.month == 12 and day.day >= 20:
            self.calendar_knowing(day.year + 1)
        calendar = self.calendar_knowing(day.year)
        if calendar is None:
            raise CalendarYearUnknown(day.year)
        return calendar

    def forget(self) -> None:
        """Read the database again at the next deadline (a year was entered or corrected in
        this process)."""
        with self._lock:
            self._missing.clear()
            self._read_at = -ENTERED_RECHECK_S

    def merged(self) -> Calendar:
        """The data file's years and every entered one, read now."""
        calendar = CALENDAR
        for year_text, entry, facts in self._read():
            year = read_year(year_text, entry, "entered year")
            calendar = calendar.with_year(replace(year, notice=replace(year.notice, **facts)))
        return calendar

    def _merged_now(self) -> Calendar:
        calendar, self._read_at = self.merged(), time.monotonic()
        return calendar


entered_years: Callable[[], EnteredYears | None] = lambda: None  # noqa: E731
"""The entered years of the app in whose context a deadline is counted (set by
server/calendar_years/); None: the data file's years alone."""


def _calendar_for(day: date) -> Calendar:
    entered = entered_years()
    if entered is not None:
        return entered.calendar_for(day)
    CALENDAR.check_known(day)
    return CALENDAR


def known_years() -> list[Notice]:
    """The years whose official arrangement is known (the data file's, then those entered),
    oldest first, with their notice."""
    entered = entered_years()
    calendar = entered.merged() if entered is not None else CALENDAR
    return [calendar.notices[y] for y in sorted(calendar.notices)]


def is_working_day(day: date) -> bool:
    """Monday to Friday unless a holiday, or a weekend day worked by 调休."""
    return _calendar_for(day).is_working_day(day)


def holiday_name(day: date) -> str | None:
    """The holiday `day` belongs to (e.g. "春节"), or None."""
    return _calendar_for(day).holidays.get(day)


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
