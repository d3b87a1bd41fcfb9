"""The working-day calendar: the real 2025 and 2026 holidays with their 调休 weekends, the
counting convention of legal periods, the refusal of an unknown year, and the API."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from server import workdays
from server.workdays import (
    CalendarYearUnknown,
    add_calendar_days_with_holiday_extension,
    add_working_days,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize("day, working", [
    (date(2025, 1, 26), True),    # Sunday worked for 春节 2025
    (date(2025, 1, 28), False),   # 除夕, first day of 春节
    (date(2025, 2, 4), False),    # last day of 春节 (Tuesday)
    (date(2025, 2, 8), True),     # Saturday worked
    (date(2025, 10, 8), False),   # 国庆节、中秋节 2025, a Wednesday
    (date(2025, 10, 11), True),   # Saturday worked
    (date(2026, 1, 4), True),     # Sunday worked for 元旦 2026
    (date(2026, 2, 14), True),    # Saturday worked for 春节 2026
    (date(2026, 2, 23), False),   # 正月初七, a Monday
    (date(2026, 2, 28), True),
    (date(2026, 9, 20), True),    # Sunday worked for 国庆节 2026
    (date(2026, 9, 19), False),   # the Saturday before it is not
    (date(2026, 10, 7), False),
    (date(2026, 10, 10), True),
    (date(2026, 11, 30), True),   # an ordinary Monday
    (date(2026, 12, 5), False),   # an ordinary Saturday
])
def test_holidays_and_swapped_days_of_2025_and_2026(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize("event, n, last", [
    # 春节 2025: the Sunday before it is worked, then eight days off
    (date(2025, 1, 24), 1, date(2025, 1, 26)),
    (date(2025, 1, 24), 2, date(2025, 1, 27)),
    (date(2025, 1, 24), 3, date(2025, 2, 5)),
    # 国庆节 2025: 5 working days from 30 September end on the worked Saturday 11 October
    (date(2025, 9, 30), 3, date(2025, 10, 11)),
    (date(2025, 9, 30), 5, date(2025, 10, 14)),
    # 春节 2026: Friday 13 February, then the worked Saturday, then nine days off
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 27), 1, date(2026, 2, 28)),
    # 国庆节 2026: the worked Sunday 20 September, and 7 days off from 1 October
    (date(2026, 9, 18), 1, date(2026, 9, 20)),
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    (date(2026, 9, 30), 5, date(2026, 10, 13)),
    # the day of the event is not counted, even when it is a working day
    (date(2026, 11, 30), 5, date(2026, 12, 7)),
])
def test_working_day_periods_start_the_day_after_the_event(event, n, last):
    assert add_working_days(event, n) == last
    assert working_days_between(event, last) == n
    assert working_days_between(last, event) == -n


@pytest.mark.parametrize("event, n, last", [
    (date(2026, 9, 23), 7, date(2026, 9, 30)),    # ends on a working Wednesday
    (date(2026, 9, 24), 7, date(2026, 10, 8)),    # ends on 1 October: moved past the holiday
    (date(2026, 9, 22), 15, date(2026, 10, 8)),   # 15 days to pay, ending in 国庆节
    (date(2026, 9, 18), 1, date(2026, 9, 20)),    # a Saturday: moved to the worked Sunday
    (date(2025, 1, 20), 6, date(2025, 1, 26)),    # ends on a worked Sunday: stays
    (date(2025, 12, 1), 90, date(2026, 3, 2)),    # 90 days ending Sunday 1 March 2026
])
def test_calendar_day_periods_ending_on_a_rest_day_extend(event, n, last):
    assert add_calendar_days_with_holiday_extension(event, n) == last


def test_periods_and_counts_agree_over_the_known_years():
    day = date(2024, 1, 1)
    while day < date(2026, 11, 1):
        for n in (1, 5, 20):
            assert working_days_between(day, add_working_days(day, n)) == n
        day += timedelta(days=11)


def test_a_date_beyond_the_known_years_is_refused_never_guessed():
    with pytest.raises(CalendarYearUnknown) as refused:
        add_working_days(date(2026, 12, 30), 3)   # 31 December, then 2027
    assert refused.value.year == 2027
    assert str(refused.value).startswith("2027 年节假日安排尚未录入，无法计算期限")
    with pytest.raises(CalendarYearUnknown):
        is_working_day(date(2023, 6, 1))
    with pytest.raises(CalendarYearUnknown):
        add_calendar_days_with_holiday_extension(date(2026, 12, 20), 15)


def test_the_data_file_agrees_with_chinesecalendar_for_every_known_day():
    """chinesecalendar 1.11.0 (PyPI) is an independent transcription of the same notices."""
    years = [n.year for n in workdays.known_years()]
    assert years == [2024, 2025, 2026]
    day = date(years[0], 1, 1)
    differ = []
    while day.year <= years[-1]:
        if is_working_day(day) != chinese_calendar.is_workday(day):
            differ.append(day)
        day += timedelta(days=1)
    assert differ == []


def test_every_known_year_cites_its_notice():
    for notice in workdays.known_years():
        assert notice.title == f"国务院办公厅关于{notice.year}年部分节假日安排的通知"
        assert notice.url.startswith("https://www.gov.cn/zhengce/")
        assert notice.number.startswith("国办发明电〔")
        assert notice.issued.year == notice.year - 1


def test_a_bad_data_file_stops_the_start(tmp_path):
    bad = tmp_path / "cn-workdays.json"
    bad.write_text(workdays.DATA_FILE.read_text(encoding="utf-8").replace(
        '"date": "2026-02-14"', '"date": "2026-02-16"'), encoding="utf-8")
    with pytest.raises(ValueError, match="2026-02-16 is a weekday"):
        workdays.load_calendar(bad)


def test_calendar_api_lists_the_known_years(client, login_as):
    assert client.get("/api/calendar/years").status_code == 401
    r = login_as("officer1").get("/api/calendar/years")
    assert r.status_code == 200
    years = {y["year"]: y for y in r.get_json()}
    assert sorted(years) == [2024, 2025, 2026]
    assert years[2026]["url"] == "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"
    assert {"name": "春节", "first": "2026-02-15", "last": "2026-02-23"} in years[2026]["holidays"]
    assert "2026-02-28" in years[2026]["working_weekend_days"]


def test_deadline_api_counts_and_refuses_an_unknown_year(login_as):
    officer = login_as("officer1")
    r = officer.get("/api/calendar/deadline?start=2026-09-30&days=5")
    assert r.status_code == 200 and r.get_json()["last_day"] == "2026-10-13"
    r = officer.get("/api/calendar/deadline?start=2026-09-24&days=7&unit=calendar_days")
    assert r.get_json()["last_day"] == "2026-10-08"
    r = officer.get("/api/calendar/deadline?start=2026-12-30&days=3")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["code"] == "calendar.year_unknown" and problem["year"] == 2027
    assert problem["detail"].startswith("2027 年节假日安排尚未录入，无法计算期限")
    assert problem["known_years"] == [2024, 2025, 2026]
    bad = officer.get("/api/calendar/deadline?start=2026-13-01&days=5")
    assert bad.status_code == 422 and bad.get_json()["code"] == "request.validation"
