"""The holiday calendar on the review desk, in Chromium: an admin enters next year's holidays
from the notice. A wrong day is refused in words and nothing is stored; the server's check shows
the year day by day, with the holidays left without dates named; the year is entered only once
the admin confirms having compared it with the notice. A day typed wrong is then corrected: the
year entered again, prefilled, with the reason, and listed as corrected. A legal reviewer (who has
no entry or correction form) checks the year against the notice: says what is wrong, which the
admin sees and corrects; the correction is unchecked again, and the reviewer confirms it.

The year typed here is made up (tests/test_calendar_years.py's YEAR_2027), not the State
Council's 2027 arrangement."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .test_review_desk import DESK, Desk


def test_an_admin_enters_next_year_s_holidays_and_a_legal_reviewer_sees_them_marked(browser, live_server):
    errors: list[str] = []
    admin = Desk(browser, live_server.url, DESK, errors)
    admin.login("admin")
    page = admin.page
    page.click("[data-role=calendar-link]")
    expect(page.locator("table.calendar-years tbody tr")).to_have_count(3)  # 2024-2026, from the release
    expect(page.locator("table.calendar-years tr[data-entered=true]")).to_have_count(0)

    form = page.locator("form.calendar-entry")
    expect(form.locator("[name=year]")).to_have_value("2027")
    expect(form.locator("[name=title]")).to_have_value("国务院办公厅关于2027年部分节假日安排的通知")
    form.locator("[name=title]").fill("国务院办公厅关于2027年部分节假日安排的通知（测试用，非真实通知）")
    form.locator("[name=number]").fill("测试〔2026〕1号")
    form.locator("[name=issued]").fill("2026-11-20")
    form.locator("[name=url]").fill("https://www.gov.cn/zhengce/content/test/2027.htm")
    rows = form.locator("tr.holiday-row")
    rows.nth(0).locator(".from").fill("2027-01-01")
    rows.nth(0).locator(".to").fill("2027-01-03")
    rows.nth(1).locator(".from").fill("2027-02-06")
    rows.nth(1).locator(".to").fill("2027-02-14")
    form.locator("[data-role=add-worked]").click()
    form.locator("[data-role=add-worked]").click()
    worked = form.locator("tr.worked-row")
    worked.nth(0).locator(".date").fill("2027-01-02")  # a slip: a day of the 元旦 holiday
    worked.nth(0).locator(".for").fill("元旦")
    worked.nth(1).locator(".date").fill("2027-02-20")
    worked.nth(1).locator(".for").fill("春节")

    form.locator("[data-role=check-entry]").click()
    expect(form.locator("[data-role=entry-error]")).to_contain_text("以下日期既是放假日又是调休上班日：2027-01-02")
    expect(form.locator("[data-role=entry-preview]")).to_be_hidden()

    worked.nth(0).locator(".date").fill("2026-12-27")  # the Sunday before, as the notice says
    form.locator("[data-role=check-entry]").click()
    preview = form.locator("[data-role=entry-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("[data-role=preview-holidays] li")).to_have_text([
        "元旦：2027-01-01（周五）至 2027-01-03（周日），共 3 天",
        "春节：2027-02-06（周六）至 2027-02-14（周日），共 9 天"])
    expect(preview.locator("[data-role=preview-worked]")).to_have_text("调休上班：2026-12-27（周日）、2027-02-20（周六）")
    expect(preview.locator("[data-role=preview-skipped]")).to_contain_text("清明节、劳动节、端午节、中秋节、国庆节")
    enter = preview.locator("[data-role=enter-entry]")
    expect(enter).to_be_disabled()
    admin_api = live_server.login("admin")
    years = admin_api.get(live_server.url + "/api/calendar/years").json()
    assert [y["year"] for y in years] == [2024, 2025, 2026]  # checked, not stored
    admin.shot("calendar-01-check")

    preview.locator("[data-role=confirm-entry]").check()
    enter.click()
    entered = page.locator("table.calendar-years tr[data-year='2027']")
    expect(entered).to_have_attribute("data-entered", "true")
    expect(entered).to_contain_text("待对照通知核对")
    expect(page.locator("form.calendar-entry [name=year]")).to_have_value("2028")
    admin.shot("calendar-02-entered")

    years = {y["year"]: y for y in admin_api.get(live_server.url + "/api/calendar/years").json()}
    assert years[2027]["working_weekend_days"] == ["2026-12-27", "2027-02-20"]
    assert years[2027]["entered_at"] is not None

    # A legal reviewer checks it against the notice: 春节 was typed a day too long
    reviewer = Desk(browser, live_server.url, DESK, errors)
    reviewer.login("reviewer1")
    reviewer.page.click("[data-role=calendar-link]")
    row = reviewer.page.locator("table.calendar-years tr[data-year='2027']")
    expect(row.locator("[data-role=check-status]")).to_have_text("待对照通知核对")
    expect(reviewer.page.locator("[data-role=correct-year]")).to_have_count(0)
    expect(reviewer.page.locator("form.calendar-entry")).to_have_count(0)
    released = reviewer.page.locator("table.calendar-years tr[data-entered=false]")
    expect(released.locator("[data-role=check-actions]")).to_have_count(0)
    row.locator("[data-role=check-wrong]").click()
    row.locator("[data-role=check-send]").click()
    expect(row.locator("[role=alert]")).to_contain_text("请写明哪一项与通知原文不符")
    row.locator("[name=check-note]").fill("春节放假应至 2 月 13 日（周六）")
    row.locator("[data-role=check-send]").click()
    expect(row.locator("[data-role=check-status]")).to_contain_text(
        "指出有误：春节放假应至 2 月 13 日（周六），待管理员更正")

    # the admin sees it and corrects the year, whole, prefilled, with the reason
    page.reload()
    expect(entered.locator("[data-role=check-status]")).to_contain_text("指出有误")
    entered.locator("[data-role=correct-year]").click()
    fix = page.locator("form.calendar-entry[data-mode=correct]")
    expect(fix.locator("[name=year]")).to_have_value("2027")
    expect(fix.locator("[name=number]")).to_have_value("测试〔2026〕1号")
    assert [fix.locator("tr.worked-row .for").nth(i).input_value() for i in range(2)] == ["元旦", "春节"]
    fix.locator("tr.holiday-row").nth(1).locator(".to").fill("2027-02-13")
    fix.locator("[data-role=check-entry]").click()
    expect(fix.locator("[data-role=entry-error]")).to_contain_text("请填写更正原因")
    fix.locator("[name=reason]").fill("春节放假结束日期录错，通知原文为 2 月 13 日")
    fix.locator("[data-role=check-entry]").click()
    preview = fix.locator("[data-role=entry-preview]")
    expect(preview.locator("[data-role=preview-holidays] li").nth(1)).to_have_text(
        "春节：2027-02-06（周六）至 2027-02-13（周六），共 8 天")
    expect(preview.locator("[data-role=preview-reason]")).to_have_text(
        "更正原因：春节放假结束日期录错，通知原文为 2 月 13 日")
    assert admin_api.get(live_server.url + "/api/calendar/years").json()[-1]["correction"] == 0  # checked only
    preview.locator("[data-role=confirm-entry]").check()
    preview.locator("[data-role=enter-entry]").click()
    expect(entered).to_contain_text("第 1 次更正")
    expect(entered).to_contain_text("春节放假结束日期录错")
    expect(entered).to_contain_text("2027-02-13（周六），共 8 天")
    expect(page.locator("form.calendar-entry [name=year]")).to_have_value("2028")  # back to entering
    admin.shot("calendar-03-corrected")
    corrected = admin_api.get(live_server.url + "/api/calendar/years").json()[-1]
    assert corrected["correction"] == 1 and corrected["holidays"][1]["last"] == "2027-02-13"

    # the correction is unchecked again; the reviewer compares it with the notice and confirms it
    reviewer.page.reload()
    expect(row.locator("[data-role=check-status]")).to_have_text("待对照通知核对")
    row.locator("[data-role=check-confirm]").click()
    row.locator("[data-role=check-send]").click()
    expect(row.locator("[data-role=check-status]")).to_contain_text("核对无误")
    expect(row.locator("[data-role=check-actions]")).to_have_count(0)
    reviewer.shot("calendar-04-checked")
    check = admin_api.get(live_server.url + "/api/calendar/years").json()[-1]["check"]
    assert check["verdict"] == "confirmed" and check["by"] == "reviewer1"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert errors == []
    admin.context.close()
    reviewer.context.close()
