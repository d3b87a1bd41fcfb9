"""一公开 timeliness: the results of done tasks not yet public, each with the last day it may be
published and the working days left, for the supervisors' list (API and /plans/).

The rule (P-7 in ../shared/domain/plan.md, "双随机、一公开 ... results published"; issue 14:
"Results are public within 20 working days") is counted here from the day the inspection was
done: the local (Asia/Shanghai) date of the record's `finished_at`, not the day a supervisor
approved it nor the day the phone synced it. Counting from the inspection is the strictest
reading (a review or a late sync never lengthens it), and it is the day the result came into
being (抽查检查结果形成之日).
# legal-review: the 20-working-day limit and its starting day follow the issue and the wording
# common to the 双随机、一公开 rules (国发〔2019〕5号 and provincial 细则 say results are published
# within 20 working days of the inspection); not checked against an official text here.

The period is counted on the official calendar (server/workdays.py): the day of the inspection
is not counted, the limit is the 20th working day after it. A limit or a today in a year the
calendar does not hold is "not computable", with the calendar's own message; it is never guessed.
A limit already passed is overdue even when today is in a year not entered yet: only the count
of working days overdue waits for the calendar.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .. import workdays
from ..clock import to_local
from ..extensions import db
from ..inspections.models import Inspection
from .models import Task

PUBLICATION_WORKING_DAYS = 20


@dataclass
class PublicationDue:
    """One result not yet public: when it was inspected, its limit and the working days left
    (negative: overdue by that many), or why they cannot be counted. A limit passed in a year the
    calendar does not hold yet (early January, before the year is entered) is overdue all the
    same: only how many working days it is overdue by waits for the calendar."""
    task: Task
    inspected_on: date
    limit_on: date | None
    working_days_left: int | None
    not_computable: str | None
    overdue: bool

    @property
    def state(self) -> str:
        if self.overdue:
            # None: not countable yet; 0: a rest day right after the limit
            return f"已逾期 {-self.working_days_left} 个工作日" if self.working_days_left else "已逾期"
        if self.not_computable:
            return "无法计算期限"
        return "今天截止" if self.working_days_left == 0 else f"剩 {self.working_days_left} 个工作日"


def publication_limit(inspected_on: date, today: date) -> tuple[date | None, int | None, str | None]:
    """(limit, working days left, None); or (limit, None, why) when the limit has passed but the
    working days since cannot be counted yet; or (None, None, the calendar's message)."""
    try:
        limit = workdays.add_working_days(inspected_on, PUBLICATION_WORKING_DAYS)
    except workdays.CalendarYearUnknown as unknown:
        return None, None, str(unknown)
    try:
        return limit, workdays.working_days_between(today, limit), None
    except workdays.CalendarYearUnknown as unknown:  # today is past the limit, in a year not entered yet
        return limit, None, f"{unknown.year} 年节假日安排尚未录入，逾期的工作日数暂无法计算。"


def _urgency(due: PublicationDue) -> tuple:
    # Overdue first, most overdue first; one whose overdue working days cannot be counted yet
    # (today is in a year not entered) comes before them, oldest inspection first. A limit the
    # calendar cannot give comes last (it is at least weeks away: only next year's days are
    # unknown).
    if due.working_days_left is not None:
        return (1, due.working_days_left, not due.overdue, due.inspected_on)
    return (0 if due.overdue else 2, 0, False, due.inspected_on)


def unpublished_results(today: date) -> list[PublicationDue]:
    """Every done task whose result is not public yet, overdue and near-limit first."""
    rows = db.session.execute(
        sa.select(Task, Inspection.finished_at).join(Inspection, Inspection.uuid == Task.inspection_uuid)
        .where(Task.status == "done", Task.published_at.is_(None))).unique().all()
    found = []
    for task, finished_at in rows:
        inspected_on = to_local(finished_at).date()
        limit, left, message = publication_limit(inspected_on, today)
        found.append(PublicationDue(task, inspected_on, limit, left, message,
                                    overdue=limit is not None and limit < today))
    return sorted(found, key=_urgency)
