"""The dashboard in Chromium against the known history with its cases (tests/oversight/history.py):
the admin sees each figure's known numbers in its table (查处率 and 结案率 included), the chart
draws the same numbers, and the XLSX and CSV downloads read back to them; a supervisor sees
their team's warnings, follows one to its records, acknowledges it, and finds who acknowledged it
and when; an officer sees only their own figures."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from server.extensions import db
from tests.conftest import start_gunicorn, stop_gunicorn
from tests.oversight.history import build_case_history, expected, key, months

from .conftest import PASSWORD, SCREENSHOTS

DESK = {"width": 1440, "height": 900}


@pytest.fixture
def history(app):
    return build_case_history(app)


@pytest.fixture
def live_server(app, history, database_url, storage_dir, tmp_path):
    """gunicorn on the known history's database."""
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log")
    yield server
    stop_gunicorn(server)


@pytest.fixture
def desk(browser, live_server):
    """Factory: a desk browser logged in to the dashboard as `username`."""
    contexts, errors = [], []

    def make(username: str):
        context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(45000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + "/oversight/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form.login button[type=submit]")
        try:
            page.wait_for_selector("body[data-charts=drawn]")
        except Exception:
            raise AssertionError(f"no charts drawn; the page reads: {page.inner_text('main')[:2000]}") from None
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], errors


def choose(page, group_by: str) -> None:
    """Ask for the history's two months, grouped by `group_by`, and wait for the new charts."""
    m2, m1 = months()
    page.fill("#from", key(m2))
    page.fill("#to", key(m1))
    page.select_option("#group_by", group_by)
    page.click("form.controls button[type=submit]")
    page.wait_for_selector("body[data-charts=drawn]")


def table_rows(page, figure_id: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"table[data-figure={figure_id}] tbody tr", """rows => rows.map(
        r => [...r.querySelectorAll('th, td')].map(c => c.textContent))""")


def shown(value) -> str:
    return "—" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def chart_data(page, figure_id: str) -> dict:
    """What ECharts draws: the category axis and each series' values."""
    return page.evaluate("""async (id) => {
        const echarts = await import('/oversight/vendor/echarts.js');
        const option = echarts.getInstanceByDom(document.querySelector(`[data-chart=${id}]`)).getOption();
        const axis = option.xAxis[0].type === 'category' ? option.xAxis[0] : option.yAxis[0];
        return {categories: axis.data, series: option.series.map(s => ({name: s.name, data: s.data}))};
    }""", figure_id)


def download(page, figure_id: str, kind: str) -> bytes:
    with page.expect_download() as info:
        page.click(f"section[data-figure={figure_id}] a[data-export={kind}]")
    return open(info.value.path(), "rb").read()


def test_the_admin_reads_the_known_figures_in_table_chart_and_downloads(desk):
    page = desk("admin")
    choose(page, "month")
    expect(page.locator("section[data-figure=handheld_rate] h2")).to_have_text("掌上执法率")
    expect(page.locator("section[data-figure=handheld_rate] .definition")).to_contain_text("pwa-")
    # 查处率 and 结案率 from the cases (history.build_case_history), no longer shown absent.
    expect(page.locator("section[data-figure=case_rates] .absent")).to_have_count(0)
    m2, m1 = months()
    assert table_rows(page, "case_rates") == [[key(m2), "1", "0", "0.0", "0", "0", "—"],
                                              [key(m1), "2", "2", "100.0", "2", "1", "50.0"]]
    wanted = expected("month")
    for figure_id in ("handheld_rate", "certificate_rate"):
        rows = table_rows(page, figure_id)
        assert [[r[0], r[2], r[3], r[4]] if figure_id == "certificate_rate" else r for r in rows] == [
            [shown(v) for v in row] for row in wanted[figure_id]], figure_id

    # The chart draws the table's numbers.
    drawn = chart_data(page, "handheld_rate")
    assert drawn["categories"] == [row[0] for row in wanted["handheld_rate"]]
    assert drawn["series"][0]["data"] == [row[3] for row in wanted["handheld_rate"]]
    training = chart_data(page, "training_hours")
    assert training["series"][0]["data"] == [row[5] for row in wanted["training_hours"]]

    # The downloads read back to the same numbers.
    lines = list(csv.reader(io.StringIO(download(page, "handheld_rate", "csv").decode("utf-8-sig"), newline="")))
    assert lines[0] == ["月份", "掌上执法检查数", "现场检查总数", "掌上执法率(%)"]
    assert [[m, int(a), int(b), float(r)] for m, a, b, r in lines[1:]] == wanted["handheld_rate"]
    sheet = load_workbook(io.BytesIO(download(page, "handheld_rate", "xlsx"))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=1 + len(wanted["handheld_rate"]))]
    assert [[m.strftime("%Y-%m"), a, b, r] for m, a, b, r in cells] == wanted["handheld_rate"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "oversight-admin.png"), full_page=True)


def test_a_supervisor_sees_and_acknowledges_a_warning(desk, history, runner):
    assert runner.invoke(args=["oversight", "scan"]).exit_code == 0
    page = desk("supervisor1")
    page.click("#nav-warnings")
    page.wait_for_selector("[data-warning]")
    cards = page.locator("section[aria-label=待确认的预警] article[data-warning]")
    expect(page.locator("h1")).to_have_text("预警（待确认 2 条）")  # team A: the repeat findings, no handheld
    assert "执法B中队" not in page.inner_text("main")
    repeat = page.locator("article[data-kind=repeat_findings]")
    expect(repeat.locator("h2")).to_contain_text("浙F00002")
    links = repeat.locator("ul.links a")
    expect(links).to_have_count(2)
    assert links.first.get_attribute("href") == f"/review/#/inspection/{history['uuids']['a2']}"
    repeat.locator("textarea").fill("已安排对该车辆所属企业复查")
    repeat.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("预警（待确认 1 条）")
    expect(cards).to_have_count(1)
    page.click("details summary")
    done = page.locator("article[data-kind=repeat_findings] [data-role=acknowledged]")
    expect(done).to_contain_text("已由 supervisor1 于")
    expect(done).to_contain_text("已安排对该车辆所属企业复查")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("h1")).to_have_text("预警（待确认 1 条）")


def test_an_officer_sees_only_their_own_figures(desk):
    page = desk("officer3")
    expect(page.locator("h1")).to_have_text("统计指标 · officer3")
    assert page.locator("#nav-warnings").is_hidden()
    choose(page, "officer")
    assert table_rows(page, "handheld_rate") == [["officer3", "1", "2", "50.0"]]
