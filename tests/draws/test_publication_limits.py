"""一公开 timeliness: a supervisor lists the results not yet public, each with the last day it may
be published (the 20th working day after the inspection, on the official 2026 calendar) and the
working days left; overdue first; a limit in 2027 (a year the calendar does not hold) is shown as
not computable with the calendar's message, never guessed; a limit passed stays overdue when
today is in 2027, only the count of days overdue waiting for the calendar."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from server.accounts.models import User
from server.clock import LOCAL_ZONE, local_today
from server.draws import publication
from server.draws.publication import PublicationDue, publication_limit
from server.extensions import db
from server.officers.service import add_certificate, certificates_of, revoke_certificate
from server.workdays import CalendarYearUnknown, add_working_days, working_days_between
from testing.records import overload_record, sync_body

from .conftest import drawn_plan


def test_the_limit_skips_the_national_day_holiday_and_weekends():
    # Friday 2026-09-25: 国庆 (10-01..10-07) is not counted, Saturday 10-10 (调休) is.
    limit, left, message = publication_limit(date(2026, 9, 25), today=date(2026, 10, 9))
    assert message is None
    assert limit == date(2026, 10, 29)  # a count of weekdays alone would give 10-23
    assert left == 15  # 10-10, 10-12..16, 19..23, 26..29
    limit, left, _ = publication_limit(date(2026, 9, 25), today=date(2026, 10, 30))
    assert left == -1  # the day after the limit: overdue by one working day


def test_a_rest_day_right_after_the_limit_is_overdue_not_the_last_day():
    # Inspected Friday 2026-11-06, limit Friday 12-04; Saturday 12-05 has no working day since,
    # yet the limit has passed.
    limit, left, _ = publication_limit(date(2026, 11, 6), today=date(2026, 12, 5))
    assert limit == date(2026, 12, 4) and left == 0
    due = PublicationDue(None, date(2026, 11, 6), limit, left, None, overdue=limit < date(2026, 12, 5))
    assert due.overdue and due.state == "已逾期"


def test_a_passed_limit_stays_overdue_when_today_is_in_a_year_not_entered():
    # Early January, before the new year's holidays are entered: a limit of last October has
    # passed all the same; only the working days since cannot be counted yet.
    limit, left, message = publication_limit(date(2026, 9, 25), today=date(2027, 1, 11))
    assert limit == date(2026, 10, 29) and left is None
    assert message == "2027 年节假日安排尚未录入，逾期的工作日数暂无法计算。"


def test_a_limit_in_an_unknown_year_is_not_computable():
    limit, left, message = publication_limit(date(2026, 12, 10), today=date(2026, 12, 11))
    assert limit is None and left is None
    assert "2027 年节假日安排尚未录入" in message


def _certified_since_september(usernames, admin):
    """The officers' certificate (re-issued) has been valid since before 国庆."""
    for user in db.session.execute(sa.select(User).where(User.username.in_(usernames))).scalars():
        for old in certificates_of(user):
            revoke_certificate(old, reason="换发新证", actor=admin)
        add_certificate(user, number=f"ZJ-{user.username}-R", domains=["overload"],
                        valid_from=date(2025, 11, 1), valid_until=local_today() + timedelta(days=365), actor=admin)
    db.session.commit()


def _complete(officer, task, finished: datetime):
    record = overload_record(officers=task["officers"], plate=task["subject"]["code"],
                             started_at=finished - timedelta(hours=1))
    record["subject"]["code"] = task["subject"]["code"]
    record["finished_at"] = finished.isoformat()
    synced = officer.post("/api/sync", json=sync_body(record))
    assert synced.json["results"][0]["result"] == "created", synced.json
    done = officer.post(f"/api/tasks/{task['id']}/completion", json={"inspection_uuid": record["uuid"]})
    assert done.status_code == 200, done.json


def test_supervisors_list_unpublished_results_near_limit_first(app, directory, login_as, client, personas):
    boss, _, _, drawn = drawn_plan(login_as)
    rows = [r for r in drawn["result"] if r["officers"]][:3]
    _certified_since_september(rows[1]["officers"], personas["admin"])
    now = datetime.now(LOCAL_ZONE).replace(microsecond=0)
    long_ago = datetime(2026, 9, 25, 10, 0, tzinfo=LOCAL_ZONE)  # before 国庆: long overdue
    finished = [now - timedelta(hours=2), long_ago, now - timedelta(days=7)]
    for row, moment in zip(rows, finished, strict=True):
        officer = login_as(row["officers"][0])
        task = next(t for t in officer.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"])
        _complete(officer, task, moment)

    listed = boss.get("/api/tasks/unpublished")
    assert listed.status_code == 200, listed.json
    by_target = {d["subject"]["code"]: d for d in listed.json}
    assert [d["subject"]["code"] for d in listed.json] == [rows[1]["target"], rows[2]["target"], rows[0]["target"]]
    old = by_target[rows[1]["target"]]
    assert old["inspected_on"] == "2026-09-25" and old["limit_on"] == "2026-10-29" and old["overdue"]
    assert old["state"].startswith("已逾期")
    fresh = by_target[rows[0]["target"]]
    inspected = date.fromisoformat(fresh["inspected_on"])
    today = local_today()
    try:
        limit = add_working_days(inspected, 20)
    except CalendarYearUnknown:  # from early December until next year's holidays are entered
        limit = None
    if limit is None:  # the real clock: shown as not computable, never guessed
        assert fresh["limit_on"] is None and fresh["state"] == "无法计算期限" and "尚未录入" in fresh["not_computable"]
    else:
        assert fresh["limit_on"] == limit.isoformat() and not fresh["overdue"]
        assert fresh["working_days_left"] == working_days_between(today, limit)

    # Published, a result leaves the list; the page shows the rest, overdue marked.
    assert boss.post(f"/api/tasks/{fresh['task_id']}/publish").status_code == 200
    assert fresh["task_id"] not in {d["task_id"] for d in boss.get("/api/tasks/unpublished").json}
    page = boss.get("/plans/").text
    section = page[page.index('data-role="unpublished"'):page.index("</section>")]
    assert "2026-10-29" in section and 'class="overdue"' in section and "已逾期" in section
    assert fresh["task_id"] not in section and old["task_id"] in section

    # In January, before 2027's holidays are entered: the overdue result still leads the list,
    # marked overdue, its limit shown, the count of days waiting for the calendar.
    with app.app_context():
        january = publication.unpublished_results(date(2027, 1, 11))
    assert str(january[0].task.id) == old["task_id"]
    assert january[0].overdue and january[0].limit_on == date(2026, 10, 29) and january[0].state == "已逾期"
    assert "2027 年节假日安排尚未录入" in january[0].not_computable

    assert login_as("officer1").get("/api/tasks/unpublished").status_code == 403
    assert client.get("/api/tasks/unpublished").status_code == 401
