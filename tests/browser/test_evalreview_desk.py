"""案卷评查 in Chromium: a legal reviewer opens the dashboard's 案卷评查 page, scores a sampled
file against the checklist (one item 不符合 with a note, one 不适用), and the score, the grade,
the team's result and the problem appear; the admin sees the same result on the dashboard, the
problem with its age, and records it fixed; the supervisor involved in every file is offered no
scoring (回避)."""
from __future__ import annotations

import pytest

from server.extensions import db
from tests.conftest import start_gunicorn, stop_gunicorn
from tests.evalreview.history import QUARTER, build_files

from .conftest import PASSWORD, SCREENSHOTS

DESK = {"width": 1440, "height": 1000}


@pytest.fixture
def live_server(app, personas, database_url, storage_dir, tmp_path):
    """The known closed files, the quarter's sample drawn by the admin, then gunicorn on them."""
    app.config.update(REVIEW_SAMPLE_SHARE="0.5", REVIEW_SAMPLE_MINIMUM=2)
    build_files()
    admin = app.test_client()
    admin.login("admin")
    sample = admin.post("/api/evalreview/samples", json={"quarter": QUARTER}).get_json()
    drawn = admin.post(f"/api/evalreview/samples/{sample['id']}/draw", json={"witness_value": "36912"})
    assert drawn.status_code == 200, drawn.get_json()
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log")
    yield server
    stop_gunicorn(server)


@pytest.fixture
def desk(browser, live_server):
    contexts, errors = [], []

    def make(username: str):
        context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(45000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + "/oversight/#/evalreview")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#sampled-files")
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], errors


def cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(selector, """rows => rows.map(
        r => [...r.querySelectorAll('th, td')].map(c => c.textContent))""")


def test_a_reviewer_scores_a_file_and_the_result_reaches_the_dashboard(desk):
    reviewer = desk("reviewer1")
    file_id = reviewer.get_attribute("#sampled-files tbody tr:first-child", "data-file")
    team = cells(reviewer, "#sampled-files tbody tr:first-child")[0][2]
    reviewer.click(f"button[data-score='{file_id}']")
    reviewer.wait_for_selector("#score-form")
    reviewer.check("[data-item=evidence_complete] input[value=not_met]")
    reviewer.fill("#note-evidence_complete", "现场照片缺少拍摄时间")
    reviewer.check("[data-item=procedure_opening] input[value=na]")
    reviewer.screenshot(path=str(SCREENSHOTS / "evalreview-scoring.png"), full_page=True)
    reviewer.click("#score-form button[type=submit]")
    # 100 × (100 − 5 − 5) / 95 = 94.7, 优秀
    reviewer.wait_for_selector(f"#sampled-files tr[data-file='{file_id}'] td[data-key=score]:text('94.7')")
    assert cells(reviewer, f"#sampled-files tr[data-file='{file_id}']")[0][4:6] == ["94.7", "优秀"]
    reviewer.wait_for_selector("#score-form", state="detached")
    team_row = next(r for r in cells(reviewer, "table[data-figure=evalreview_team] tbody tr") if r[0] == team)
    assert team_row[1:5] == ["1", "94.7", "0", "0"] and team_row[5] == "1"  # files, average, 不合格, 事实, 证据

    admin = desk("admin")
    admin_row = next(r for r in cells(admin, "table[data-figure=evalreview_team] tbody tr") if r[0] == team)
    assert admin_row == team_row
    [problem] = cells(admin, "#problems tbody tr")
    assert problem[0] == file_id and "现场照片缺少拍摄时间" in problem[3] and problem[4:6] == ["待整改", "0 天"]
    admin.fill("#problems input[id^=fix-]", "已补充照片原始文件")
    admin.click("#problems button[type=submit]")
    admin.wait_for_selector("#problems tr[data-state=fixed]")
    assert "已补充照片原始文件" in cells(admin, "#problems tbody tr")[0][6]
    admin.screenshot(path=str(SCREENSHOTS / "evalreview-dashboard.png"), full_page=True)

    supervisor = desk("supervisor1")  # approved or decided every file: no scoring offered
    assert supervisor.locator("#sampled-files button[data-score]").count() == 0
