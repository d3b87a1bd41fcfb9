"""The legal time limits of a case, computed from its stored dates on the official calendar.

Nothing computed is stored: each deadline is derived from the day of the event that starts it
(server/workdays.py counts: the event day not counted; a calendar-day period ending on a rest day
moves to the next working day). A deadline whose period reaches a year the calendar does not know
is shown as not computable with the calendar's message, never guessed.

Which periods count working days: 《行政处罚法》(2021) 第八十五条 makes its "二日、三日、五日、七日"
working days; longer periods (90 days to decide, 15 days to pay) are calendar days.
# legal-review: every article below is cited from secondary sources, not yet checked against the
# official text (flk.npc.gov.cn / 交通运输部令); the 3-day statement period and the 30-day
# extension come from 《交通运输行政执法程序规定》 as the author remembers it.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from .. import workdays
from .case_models import Case

DECISION_DAYS = 90        # 《行政处罚法》第六十条: 自立案之日起九十日内作出行政处罚决定 (calendar days)
EXTENSION_MAX_DAYS = 30   # legal-review: 《交通运输行政执法程序规定》: 经负责人批准可延长，不超过三十日
STATEMENT_WORKING_DAYS = 3  # legal-review: 《交通运输行政执法程序规定》: 收到告知书之日起三日内陈述申辩
HEARING_WORKING_DAYS = 5  # 《行政处罚法》第六十四条第（一）项: 告知后五日内提出听证 (第八十五条: 工作日)
SERVICE_WORKING_DAYS = 7  # 《行政处罚法》第六十一条: 当事人不在场的，七日内送达 (第八十五条: 工作日)
PAYMENT_DAYS = 15         # 《行政处罚法》第六十七条第三款: 收到决定书之日起十五日内缴纳罚款 (calendar days)
LATE_FEE_PERMILLE_PER_DAY = 30  # 《行政处罚法》第七十二条第一款第（一）项: 每日按罚款数额的百分之三加处罚款


def _working(start: date, n: int) -> date:
    return workdays.add_working_days(start, n)


def _calendar(start: date, n: int) -> date:
    return workdays.add_calendar_days_with_holiday_extension(start, n)


def after_period(day: date, start: date, n: int, count=_working) -> bool:
    """Whether `day` is past the period of `n` days from `start`, counted by `count` (`_working`
    or `_calendar`). Either period ends no earlier than start + n calendar days (rest days and
    holidays only move its end later), so a day up to then is within it without the calendar,
    which may not know the next year yet (late in December); past it, the calendar decides, or
    raises CalendarYearUnknown."""
    return day > start + timedelta(days=n) and day > count(start, n)


def _deadline(key, label, basis, unit, compute, met_on, today, warn_days):
    item = {"key": key, "label": label, "basis": basis, "unit": unit, "due": None, "met_on": met_on,
            "state": "done" if met_on else "open", "error": None}
    try:
        item["due"] = compute()
        if not met_on:
            item["state"] = _state(item["due"], today, warn_days)
    except workdays.CalendarYearUnknown as exc:
        item.update(state="done" if met_on else "unknown",
                    error={"code": "calendar.year_unknown", "detail": str(exc)})
    return item


def _state(due: date, today: date, warn_days: int) -> str:
    if today > due:
        return "overdue"
    try:
        near = workdays.working_days_between(today, due) <= warn_days
    except workdays.CalendarYearUnknown:
        near = (due - today).days <= warn_days
    return "near" if near else "open"


def case_deadlines(case: Case, today: date, warn_days: int | None = None) -> list[dict]:
    """Every time limit of `case` so far: label, legal basis, working or calendar days, the due
    date, the date it was met, and its state (done, open, near, overdue, unknown)."""
    if warn_days is None:
        warn_days = current_app.config["CASE_WARNING_WORKING_DAYS"]
    found = []

    def add(*args):
        found.append(_deadline(*args, today, warn_days))

    if case.opened_on:
        add("decision", "作出处罚决定", "《行政处罚法》第六十条", "calendar",
            lambda: _calendar(case.opened_on, DECISION_DAYS + case.extension_days), case.decided_on)
    if case.notified_on:
        statement_done = case.notified_on if case.statement_recorded else (case.decided_on or None)
        add("statement", "陈述、申辩期限", "《交通运输行政执法程序规定》（待法制审核确认）", "working",
            lambda: _working(case.notified_on, STATEMENT_WORKING_DAYS), statement_done)
        if case.hearing_eligible:
            hearing_done = case.notified_on if case.hearing_requested else case.decided_on
            add("hearing_request", "申请听证期限", "《行政处罚法》第六十四条、第八十五条", "working",
                lambda: _working(case.notified_on, HEARING_WORKING_DAYS), hearing_done)
    if case.decided_on:
        if case.party_present:
            add("service", "送达（当场交付）", "《行政处罚法》第六十一条", "calendar",
                lambda: case.decided_on, case.served_on)
        else:
            add("service", "送达（当事人不在场，七日内）", "《行政处罚法》第六十一条、第八十五条", "working",
                lambda: _working(case.decided_on, SERVICE_WORKING_DAYS), case.served_on)
    if case.served_on and case.fine_fen:
        paid_on = case.closed_on if case.status == "closed" else None
        add("payment", "缴纳罚款", "《行政处罚法》第六十七条", "calendar",
            lambda: _calendar(case.served_on, PAYMENT_DAYS), paid_on)
    return found


def payment_due(case: Case) -> date:
    return _calendar(case.served_on, PAYMENT_DAYS)


def late_fee_fen(case: Case, on: date) -> int:
    """加处罚款 owed if the fine is paid on `on`: 3 % of the fine a day after the payment period,
    never more than the fine (《行政处罚法》第七十二条)."""
    if not case.fine_fen or not case.served_on:
        return 0
    if on <= case.served_on + timedelta(days=PAYMENT_DAYS):
        return 0  # within the period's nominal length: in time, without the calendar (after_period)
    late_days = max(0, (on - payment_due(case)).days)
    return min(case.fine_fen, case.fine_fen * LATE_FEE_PERMILLE_PER_DAY * late_days // 1000)


def amount_owed_fen(case: Case, on: date) -> int:
    """The fine plus any late fee, less what was paid."""
    return max(0, (case.fine_fen or 0) + late_fee_fen(case, on) - case.paid_fen)


def extension_allowed(case: Case, days: int) -> bool:
    return 0 < days and case.extension_days + days <= EXTENSION_MAX_DAYS

