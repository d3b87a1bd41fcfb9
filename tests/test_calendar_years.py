"""An admin enters a year of the working-day calendar once its notice is published: deadlines
reaching it are counted from then on, in every worker; a wrong file enters nothing; the stored
year is written once and vouched for by the audit log."""
import json
from datetime import date
from functools import partial

import pytest
import sqlalchemy as sa

from server import create_app, workdays
from server.audit.models import AuditEntry
from server.calendar_years.models import CalendarYear, CalendarYearCheck, CalendarYearCorrection
from server.extensions import db
from testing.concurrent import at_once
from tests.audit.tampering import tamper

# A made-up year for the tests, in the notice's shape: NOT the State Council's 2027 arrangement.
# 2027-01-01 is a Friday; 2026-12-27 a Sunday, 2027-02-20 a Saturday.
YEAR_2027 = {
    "notice": {"title": "国务院办公厅关于2027年部分节假日安排的通知（测试用，非真实通知）",
               "number": "测试〔2026〕1号", "issued": "2026-11-20",
               "url": "https://www.gov.cn/zhengce/content/test/2027.htm"},
    "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                 {"name": "春节", "from": "2027-02-06", "to": "2027-02-14"}],
    "working_weekend_days": [{"date": "2026-12-27", "for": "元旦"}, {"date": "2027-02-20", "for": "春节"}],
}


def notice_file(tmp_path, years, name="notice.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"years": years}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_year_entered_by_the_admin_is_counted_with(runner, login_as, tmp_path):
    officer = login_as("officer1")
    refused = officer.get("/api/calendar/deadline?start=2026-12-30&days=3")
    assert refused.status_code == 422 and refused.get_json()["code"] == "calendar.year_unknown"
    assert workdays.is_working_day(date(2026, 12, 27)) is False  # an ordinary Sunday, so far

    result = runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027})])
    assert result.exit_code == 0, result.output
    assert "entered 2027  测试〔2026〕1号  2026-11-20  2 holidays, 2 worked weekend days" in result.output

    # 12-31 (Thu) is the first working day after the event, 01-01..03 are 元旦, 01-04 and 01-05 follow
    counted = officer.get("/api/calendar/deadline?start=2026-12-30&days=3")
    assert counted.status_code == 200 and counted.get_json()["last_day"] == "2027-01-05"
    assert workdays.is_working_day(date(2027, 2, 20)) is True
    assert workdays.holiday_name(date(2027, 2, 10)) == "春节"
    # The notice moves a day of the year before: that Sunday is worked now.
    assert workdays.is_working_day(date(2026, 12, 27)) is True
    with pytest.raises(workdays.CalendarYearUnknown):
        workdays.is_working_day(date(2028, 1, 3))

    years = {y["year"]: y for y in officer.get("/api/calendar/years").get_json()}
    assert sorted(years) == [2024, 2025, 2026, 2027]
    assert years[2026]["entered_at"] is None and years[2027]["entered_at"] is not None
    assert {"name": "春节", "first": "2027-02-06", "last": "2027-02-14"} in years[2027]["holidays"]
    listed = runner.invoke(args=["calendar", "years"]).output
    assert "2027  测试〔2026〕1号  2026-11-20  https://www.gov.cn/zhengce/content/test/2027.htm  entered" in listed

    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year_entered")).scalar_one()
    assert (entry.object_type, entry.object_id) == ("calendar_year", "2027")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def _day(year, month, day, key="date"):
    return {key: f"{year}-{month:02d}-{day:02d}"}


@pytest.mark.parametrize("years, message", [
    ({"2026": YEAR_2027}, "2026: the notice must be the year's"),
    ({"2027": {**YEAR_2027, "notice": {**YEAR_2027["notice"], "url": "https://example.com/2027"}}},
     "the notice must be the year's, on www.gov.cn"),
    ({"2027": {**YEAR_2027, "working_weekend_days": [_day(2027, 1, 4)]}}, "2027-01-04 is a weekday"),
    ({"2027": {**YEAR_2027, "working_weekend_days": [_day(2027, 1, 2)]}}, "both holiday and working day: 2027-01-02"),
    ({"2027": {**YEAR_2027, "holidays": [{"name": "国庆节", "from": "2028-10-01", "to": "2028-10-07"}]}},
     "days outside the year"),
    ({"2027": {**YEAR_2027, "holidays": [{"name": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]}},
     "holiday 元旦 spans 2027-01-03..2027-01-01"),
    ({"2027": {**YEAR_2027, "holidays": []}}, "a notice names its holidays: none given"),
    ({"2027": {**YEAR_2027, "holiday": []}}, "not a year's entry"),
    ({"2027": {k: v for k, v in YEAR_2027.items() if k != "notice"}}, "missing or wrong: 'notice'"),
    ({"2027": {**YEAR_2027, "working_weekend_days": [{"date": "2027-02-30"}]}}, "not a date: '2027-02-30'"),
    ({"2027": YEAR_2027, "二〇二八": YEAR_2027}, "二〇二八: not a year"),
    ({}, "not the data file's shape"),
])
def test_a_wrong_file_enters_nothing_and_says_what_is_wrong(runner, tmp_path, years, message):
    result = runner.invoke(args=["calendar", "add", notice_file(tmp_path, years)])
    assert result.exit_code == 1
    assert "nothing entered" in result.output and message in result.output, result.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "calendar.year_entered")).scalar() == 0


def test_a_known_year_or_a_file_that_is_not_json_is_refused(runner, tmp_path):
    known = runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2026": {
        **YEAR_2027, "notice": {**YEAR_2027["notice"], "title": "国务院办公厅关于2026年部分节假日安排的通知"},
        "holidays": [{"name": "元旦", "from": "2026-01-01", "to": "2026-01-03"}], "working_weekend_days": []}})])
    assert known.exit_code == 1 and "2026 is known already (国办发明电〔2025〕7号)" in known.output
    (tmp_path / "broken.json").write_text('{"years": {"2027": ', encoding="utf-8")
    broken = runner.invoke(args=["calendar", "add", str(tmp_path / "broken.json")])
    assert broken.exit_code == 1 and "nothing entered: not JSON" in broken.output
    assert runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027})]).exit_code == 0
    again = runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027}, "again.json")])
    assert again.exit_code == 1 and "2027 is known already (测试〔2026〕1号)" in again.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 1


def test_another_worker_counts_with_an_entered_year_once_it_asks_again(app_config, runner, tmp_path,
                                                                       monkeypatch):
    """A second app on the same database (another gunicorn worker) that found the year missing
    trusts that for ENTERED_RECHECK_S, then reads it."""
    monkeypatch.setattr(workdays, "ENTERED_RECHECK_S", 0.5)
    other = create_app(app_config)
    with other.app_context():
        with pytest.raises(workdays.CalendarYearUnknown):
            workdays.add_working_days(date(2026, 12, 30), 3)
        db.session.remove()
    assert runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027})]).exit_code == 0
    with other.app_context():
        with pytest.raises(workdays.CalendarYearUnknown):  # within the recheck time
            workdays.add_working_days(date(2026, 12, 30), 3)
        extension = other.extensions["calendar_years"]
        extension._missing = {year: asked - 1 for year, asked in extension._missing.items()}  # time passes
        assert workdays.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
        db.session.remove()


def test_an_entered_year_is_written_once_and_vouched_for_by_the_log(runner, tmp_path):
    assert runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027})]).exit_code == 0
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("UPDATE calendar_years SET entry = '{}'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM calendar_years"))
    db.session.rollback()

    moved = json.loads(db.session.execute(sa.select(CalendarYear.entry)).scalar_one())
    moved["holidays"][1]["to"] = "2027-02-21"  # a longer 春节, typed in behind the log's back
    tamper(sa.text("UPDATE calendar_years SET entry = :entry WHERE year = 2027"),
           entry=json.dumps(moved, ensure_ascii=False))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "calendar_years year 2027: altered" in result.output, result.output

    tamper("INSERT INTO calendar_years (year, entry, entered_at) VALUES (2028, '{}', '2026-12-01 00:00:00')")
    result = runner.invoke(args=["audit", "verify"])
    assert "calendar_years year 2028: not in the audit log" in result.output, result.output


def test_a_worker_s_first_question_about_late_december_reads_the_next_year_s_notice(app_config, runner,
                                                                                      tmp_path):
    """The next year's notice may move a day at the end of a known year: a worker asked first
    about such a day (no date of the next year asked yet) reads that notice too."""
    assert runner.invoke(args=["calendar", "add", notice_file(tmp_path, {"2027": YEAR_2027})]).exit_code == 0
    other = create_app(app_config)
    with other.app_context():
        assert workdays.is_working_day(date(2026, 12, 27)) is True  # a Sunday worked for 元旦 2027
        assert workdays.is_working_day(date(2026, 12, 26)) is False  # the Saturday before it is not
        db.session.remove()


def desk_entry(entry: dict = YEAR_2027, year: int = 2027) -> dict:
    """What the review desk's 节假日安排 page sends: the year beside its entry."""
    return {"year": year, **entry}


def test_an_admin_checks_then_enters_a_year_from_the_desk(login_as):
    admin, officer = login_as("admin"), login_as("officer1")
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").status_code == 422

    checked = admin.post("/api/calendar/years/check", json=desk_entry())
    assert checked.status_code == 200, checked.get_json()
    view = checked.get_json()
    assert view["year"] == 2027 and view["entered_at"] is None
    assert view["working_weekend_days"] == ["2026-12-27", "2027-02-20"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 0
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").status_code == 422  # checked only

    entered = admin.post("/api/calendar/years", json=desk_entry())
    assert entered.status_code == 201, entered.get_json()
    assert entered.get_json()["entered_at"] is not None
    # this worker counts with it at once: its missing year was forgotten after the commit
    counted = officer.get("/api/calendar/deadline?start=2026-12-30&days=3")
    assert counted.status_code == 200 and counted.get_json()["last_day"] == "2027-01-05"

    stored = json.loads(db.session.execute(sa.select(CalendarYear.entry)).scalar_one())
    assert stored == YEAR_2027  # the data file's shape, dates as text, "for" kept
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year_entered")).scalar_one()
    assert entry.actor_username == "admin" and entry.object_id == "2027"

    again = admin.post("/api/calendar/years", json=desk_entry())
    assert again.status_code == 422 and again.get_json()["code"] == "calendar.entry_refused"
    assert again.get_json()["detail"] == "2027 年的节假日安排已录入（测试〔2026〕1号），不能再次录入。"
    assert admin.post("/api/calendar/years/check", json=desk_entry()).get_json()["code"] == "calendar.entry_refused"
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 1


@pytest.mark.parametrize("change, detail", [
    ({"working_weekend_days": [{"date": "2027-01-04"}]},
     "2027 年：2027-01-04 是工作日（周一至周五），不是调休上班的周末。"),
    ({"working_weekend_days": [{"date": "2027-01-02", "for": "元旦"}]},
     "2027 年：以下日期既是放假日又是调休上班日：2027-01-02。"),
    ({"holidays": [{"name": "国庆节", "from": "2028-10-01", "to": "2028-10-07"}]},
     "2027 年：以下日期不在该年（或上一年 12 月 20 日以后）：2028-10-01"),
    ({"holidays": [{"name": "春节", "from": "2027-02-14", "to": "2027-02-06"}]},
     "2027 年：春节的放假日期 2027-02-14 至 2027-02-06 不对"),
    ({"notice": {**YEAR_2027["notice"], "url": "http://www.gov.cn.example.com/2027"}}, "网址须在 www.gov.cn"),
])
def test_a_wrong_entry_from_the_desk_is_refused_in_words_and_stores_nothing(login_as, change, detail):
    admin = login_as("admin")
    for path in ("/api/calendar/years/check", "/api/calendar/years"):
        answer = admin.post(path, json=desk_entry({**YEAR_2027, **change}))
        assert answer.status_code == 422 and answer.headers["Content-Type"] == "application/problem+json"
        problem = answer.get_json()
        assert problem["code"] == "calendar.entry_refused" and detail in problem["detail"], problem
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "calendar.year_entered")).scalar() == 0


def test_a_malformed_entry_is_a_validation_problem_naming_the_field(login_as):
    admin = login_as("admin")
    answer = admin.post("/api/calendar/years", json=desk_entry({**YEAR_2027, "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-02-30"}]}))
    assert answer.status_code == 422 and answer.get_json()["code"] == "request.validation"
    assert "to" in answer.get_json()["errors"]["holidays"]["0"]
    assert admin.post("/api/calendar/years", json={"year": 2027}).get_json()["code"] == "request.validation"
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 0


@pytest.mark.parametrize("who, status", [(None, 401), ("officer1", 403), ("supervisor1", 403),
                                         ("reviewer1", 403)])
def test_only_an_admin_checks_or_enters_a_year(app, login_as, who, status):
    client = login_as(who) if who else app.test_client()
    for path in ("/api/calendar/years/check", "/api/calendar/years"):
        assert client.post(path, json=desk_entry()).status_code == status
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 0


def test_two_admins_entering_the_same_year_at_once_enter_it_once(login_as):
    """On PostgreSQL both may read the calendar before either commits: the second's row then
    meets the first's key, and is refused in words, not as a server failure."""
    admins = [login_as("admin"), login_as("admin")]
    answers = at_once([partial(client.post, "/api/calendar/years", json=desk_entry()) for client in admins])
    assert sorted(a.status_code for a in answers) == [201, 422], [a.get_json() for a in answers]
    refused = next(a for a in answers if a.status_code == 422).get_json()
    assert refused["code"] == "calendar.entry_refused" and "2027 年的节假日安排" in refused["detail"]
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarYear)).scalar() == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "calendar.year_entered")).scalar() == 1


# The same made-up year with 元旦 typed wrong (to 01-05) and the Sunday worked for it left out.
MISTYPED_2027 = {**YEAR_2027, "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-05"},
                                           YEAR_2027["holidays"][1]],
                 "working_weekend_days": [YEAR_2027["working_weekend_days"][1]]}


def correction(entry: dict, corrects: str, reason: str = "元旦放假日期录错，按通知原文更正") -> dict:
    return {**desk_entry(entry), "reason": reason, "corrects_sha256": corrects}


def count(table) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_an_admin_corrects_an_entered_year_and_deadlines_follow(login_as, runner):
    """A year entered wrong is entered again, whole, with a reason: counted with from then on;
    the wrong entry stays stored; both are in the log, and `audit verify` vouches for both."""
    admin, officer = login_as("admin"), login_as("officer1")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").get_json()["last_day"] == "2027-01-07"
    assert workdays.is_working_day(date(2026, 12, 27)) is False
    listed = {y["year"]: y for y in officer.get("/api/calendar/years").get_json()}[2027]
    assert listed["entry_sha256"] == entered["entry_sha256"] and listed["correction"] == 0

    fix = correction(YEAR_2027, entered["entry_sha256"])
    checked = admin.post("/api/calendar/years/2027/corrections/check", json=fix)
    assert checked.status_code == 200, checked.get_json()
    assert {"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"} in checked.get_json()["holidays"]
    assert count(CalendarYearCorrection) == 0  # checked only
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").get_json()["last_day"] == "2027-01-07"

    corrected = admin.post("/api/calendar/years/2027/corrections", json=fix)
    assert corrected.status_code == 201, corrected.get_json()
    view = corrected.get_json()
    assert view["correction"] == 1 and view["corrected_at"] and view["entered_at"] == entered["entered_at"]
    assert view["correction_reason"] == "元旦放假日期录错，按通知原文更正"
    # counted with at once in this worker: 01-04 is a working day again, 12-27 a Sunday worked
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").get_json()["last_day"] == "2027-01-05"
    assert workdays.is_working_day(date(2026, 12, 27)) is True
    assert workdays.holiday_name(date(2027, 1, 4)) is None
    listed = {y["year"]: y for y in officer.get("/api/calendar/years").get_json()}[2027]
    assert listed["correction"] == 1 and listed["entry_sha256"] == view["entry_sha256"] != entered["entry_sha256"]

    assert json.loads(db.session.execute(sa.select(CalendarYear.entry)).scalar_one()) == MISTYPED_2027  # kept
    logged = db.session.execute(sa.select(AuditEntry)
                                .where(AuditEntry.action == "calendar.year_corrected")).scalar_one()
    assert logged.actor_username == "admin" and logged.object_id == "2027"
    details = json.loads(logged.details)
    assert details["corrects_sha256"] == entered["entry_sha256"] and details["reason"] == fix["reason"]
    assert details["entry_sha256"] == view["entry_sha256"] and details["correction"] == 1
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert ", correction 1 " in runner.invoke(args=["calendar", "years"]).output

    # corrected from what the admin saw before the correction: refused, not overwritten
    stale = admin.post("/api/calendar/years/2027/corrections", json=correction(MISTYPED_2027, entered["entry_sha256"]))
    assert stale.status_code == 422 and "刚刚已由他人更正" in stale.get_json()["detail"]
    same = admin.post("/api/calendar/years/2027/corrections", json=correction(YEAR_2027, view["entry_sha256"]))
    assert same.status_code == 422 and "完全相同" in same.get_json()["detail"]
    assert count(CalendarYearCorrection) == 1

    # and corrected again: the latest correction counts
    again = admin.post("/api/calendar/years/2027/corrections",
                       json=correction(MISTYPED_2027, view["entry_sha256"], "上次更正有误，恢复"))
    assert again.status_code == 201 and again.get_json()["correction"] == 2
    assert officer.get("/api/calendar/deadline?start=2026-12-30&days=3").get_json()["last_day"] == "2027-01-07"
    assert workdays.is_working_day(date(2026, 12, 27)) is False  # the day before the year, as corrected


def another_year(year: int) -> dict:
    return {"notice": {**YEAR_2027["notice"], "title": YEAR_2027["notice"]["title"].replace("2027", str(year))},
            "holidays": [{"name": "元旦", "from": f"{year}-01-01", "to": f"{year}-01-03"}],
            "working_weekend_days": []}


@pytest.mark.parametrize("path_year, entry, detail", [
    (2026, another_year(2026), "2026 年的节假日安排随系统版本发布，不能在此更正"),
    (2028, another_year(2028), "2028 年的节假日安排尚未录入"),
    (2028, YEAR_2027, "更正的年份（2027）与所更正的年份（2028）不一致"),
    (2027, {**YEAR_2027, "working_weekend_days": [{"date": "2027-01-02"}]}, "既是放假日又是调休上班日：2027-01-02"),
])
def test_a_wrong_correction_is_refused_in_words_and_stores_nothing(login_as, path_year, entry, detail):
    admin = login_as("admin")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    year = int(next(iter(entry["holidays"]))["from"][:4])
    body = {**correction(entry, entered["entry_sha256"]), "year": year}
    for path in (f"/api/calendar/years/{path_year}/corrections/check", f"/api/calendar/years/{path_year}/corrections"):
        answer = admin.post(path, json=body)
        assert answer.status_code == 422 and answer.get_json()["code"] == "calendar.entry_refused", answer.get_json()
        assert detail in answer.get_json()["detail"], answer.get_json()
    assert count(CalendarYearCorrection) == 0
    assert count(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year_corrected").subquery()) == 0


def test_a_correction_says_why_and_names_what_it_corrects(login_as):
    admin = login_as("admin")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    blank = admin.post("/api/calendar/years/2027/corrections",
                       json=correction(YEAR_2027, entered["entry_sha256"], "  "))
    assert blank.status_code == 422 and blank.get_json()["errors"]["reason"] == ["请写明更正原因（至少 2 个字）。"]
    unnamed = {k: v for k, v in correction(YEAR_2027, entered["entry_sha256"]).items() if k != "corrects_sha256"}
    answer = admin.post("/api/calendar/years/2027/corrections", json=unnamed)
    assert answer.status_code == 422 and "corrects_sha256" in answer.get_json()["errors"]
    assert count(CalendarYearCorrection) == 0


@pytest.mark.parametrize("who, status", [(None, 401), ("officer1", 403), ("supervisor1", 403),
                                         ("reviewer1", 403)])
def test_only_an_admin_corrects_a_year(app, login_as, who, status):
    entered = login_as("admin").post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    client = login_as(who) if who else app.test_client()
    for path in ("/api/calendar/years/2027/corrections/check", "/api/calendar/years/2027/corrections"):
        assert client.post(path, json=correction(YEAR_2027, entered["entry_sha256"])).status_code == status
    assert count(CalendarYearCorrection) == 0


def test_two_admins_correcting_a_year_at_once_correct_it_once(login_as):
    admin = login_as("admin")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    admins = [login_as("admin"), login_as("admin")]
    bodies = [correction(YEAR_2027, entered["entry_sha256"]),
              correction({**YEAR_2027, "working_weekend_days": []}, entered["entry_sha256"])]
    answers = at_once([partial(client.post, "/api/calendar/years/2027/corrections", json=body)
                       for client, body in zip(admins, bodies, strict=True)])
    assert sorted(a.status_code for a in answers) == [201, 422], [a.get_json() for a in answers]
    refused = next(a for a in answers if a.status_code == 422).get_json()
    assert "刚刚已由他人更正" in refused["detail"]
    db.session.rollback()
    assert count(CalendarYearCorrection) == 1
    assert count(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year_corrected").subquery()) == 1


def test_another_worker_counts_with_a_correction_once_it_reads_again(app_config, login_as, monkeypatch):
    admin = login_as("admin")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    other = create_app(app_config)
    with other.app_context():
        assert workdays.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 7)
        db.session.remove()
    assert admin.post("/api/calendar/years/2027/corrections",
                      json=correction(YEAR_2027, entered["entry_sha256"])).status_code == 201
    with other.app_context():
        assert workdays.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 7)  # within the recheck time
        other.extensions["calendar_years"]._read_at -= workdays.ENTERED_RECHECK_S  # time passes
        assert workdays.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
        db.session.remove()


def test_a_correction_is_written_once_and_vouched_for_by_the_log(login_as, runner):
    admin = login_as("admin")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    assert admin.post("/api/calendar/years/2027/corrections",
                      json=correction(YEAR_2027, entered["entry_sha256"])).status_code == 201
    for statement in ("UPDATE calendar_year_corrections SET reason = 'x'", "DELETE FROM calendar_year_corrections"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()

    tamper("UPDATE calendar_year_corrections SET reason = '按领导要求' WHERE year = 2027")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "calendar_year_corrections year 2027 correction 1: altered" in result.output, result.output

    tamper(sa.text("INSERT INTO calendar_year_corrections (year, number, entry, reason, entered_at) "
                   "VALUES (2027, 2, :entry, '补录', '2026-12-01 00:00:00')"),
           entry=json.dumps(MISTYPED_2027, ensure_ascii=False))
    result = runner.invoke(args=["audit", "verify"])
    assert "calendar_year_corrections year 2027 correction 2: not in the audit log" in result.output, result.output


def listed(client, year: int = 2027) -> dict:
    return {y["year"]: y for y in client.get("/api/calendar/years").get_json()}[year]


def test_a_legal_reviewer_checks_an_entered_year_and_a_correction_unchecks_it(login_as, runner):
    admin, reviewer, officer = login_as("admin"), login_as("reviewer1"), login_as("officer1")
    entered = admin.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    assert listed(officer)["check"] is None and listed(officer, 2026)["check"] is None

    wrong = reviewer.post("/api/calendar/years/2027/checks", json={
        "entry_sha256": entered["entry_sha256"], "verdict": "wrong", "note": "元旦应为 1 月 1 日至 3 日"})
    assert wrong.status_code == 201, wrong.get_json()
    check = listed(officer)["check"]
    assert (check["verdict"], check["note"], check["by"]) == ("wrong", "元旦应为 1 月 1 日至 3 日", "reviewer1")

    fixed = admin.post("/api/calendar/years/2027/corrections", json=correction(YEAR_2027, entered["entry_sha256"]))
    assert listed(officer)["check"] is None  # the correction is not checked yet
    stale = reviewer.post("/api/calendar/years/2027/checks", json={
        "entry_sha256": entered["entry_sha256"], "verdict": "confirmed"})
    assert stale.status_code == 422 and stale.get_json()["code"] == "calendar.check_refused"
    assert "刚刚已被更正" in stale.get_json()["detail"]

    confirmed = reviewer.post("/api/calendar/years/2027/checks", json={
        "entry_sha256": fixed.get_json()["entry_sha256"], "verdict": "confirmed"})
    assert confirmed.status_code == 201 and confirmed.get_json()["check"]["verdict"] == "confirmed"
    assert listed(officer)["check"]["verdict"] == "confirmed"
    logged = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year_checked")
                                .order_by(AuditEntry.seq)).scalars().all()
    assert [(e.actor_username, json.loads(e.details)["verdict"]) for e in logged] == [
        ("reviewer1", "wrong"), ("reviewer1", "confirmed")]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    tamper("UPDATE calendar_year_checks SET verdict = 'confirmed' WHERE number = 1")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "calendar_year_checks year 2027 check 1: altered" in result.output, result.output


def test_a_check_is_refused_where_there_is_nothing_to_check_or_the_checker_entered_it(login_as, create_user):
    create_user("both", roles=("admin", "legal_reviewer"))
    both, reviewer = login_as("both"), login_as("reviewer1")
    entered = both.post("/api/calendar/years", json=desk_entry(MISTYPED_2027)).get_json()
    own = both.post("/api/calendar/years/2027/checks", json={"entry_sha256": entered["entry_sha256"],
                                                             "verdict": "confirmed"})
    assert own.status_code == 422 and "须由其他法制审核人员核对" in own.get_json()["detail"]
    release = reviewer.post("/api/calendar/years/2026/checks", json={"entry_sha256": "0" * 64, "verdict": "confirmed"})
    assert release.status_code == 422 and "不是管理员录入的年份" in release.get_json()["detail"]
    unsaid = reviewer.post("/api/calendar/years/2027/checks", json={"entry_sha256": entered["entry_sha256"],
                                                                    "verdict": "wrong", "note": " "})
    assert unsaid.status_code == 422 and unsaid.get_json()["errors"]["note"] == ["请写明哪一项与通知原文不符。"]
    for who in ("admin", "officer1", "supervisor1"):
        answer = login_as(who).post("/api/calendar/years/2027/checks", json={
            "entry_sha256": entered["entry_sha256"], "verdict": "confirmed"})
        assert answer.status_code == 403
    assert count(CalendarYearCheck) == 0
    # another legal reviewer may check it
    assert reviewer.post("/api/calendar/years/2027/checks", json={
        "entry_sha256": entered["entry_sha256"], "verdict": "confirmed"}).status_code == 201
