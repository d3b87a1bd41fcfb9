"""防止执法扰民 at the desk: a record that names a target inspected a few days earlier carries the
officer's reason; the supervisor sees it on the record and follows the link to the target's page,
which lists both inspections with the reason."""
from __future__ import annotations

import io
import uuid

from playwright.sync_api import expect

from tests.targets.files import row, xlsx

from .test_review_desk import DESK, Desk, live_server, roadside_record, send_record  # noqa: F401 (fixture)

PLATE = "浙F7T001"


def test_the_desk_shows_the_revisit_reason_and_the_targets_history(browser, live_server):  # noqa: F811
    admin = live_server.login("admin")
    loaded = admin.post(live_server.url + "/api/targets/import", files={"file": ("名录.xlsx", io.BytesIO(xlsx(
        [row(category="车辆", name=f"{PLATE} 重型半挂牵引车", plate=PLATE, credit_class="C")])))})
    assert loaded.status_code == 200, loaded.text
    target_id = live_server.login("officer1").get(live_server.url + "/api/targets/recent",
                                                  params={"key": PLATE}).json()["target"]["id"]
    send_record(live_server, roadside_record(PLATE))  # ad-hoc, as phones send records today
    again = roadside_record(PLATE)
    again.update(uuid=str(uuid.uuid4()), target_id=target_id, revisit_reason="群众举报该车仍在超载运输")
    send_record(live_server, again)

    errors: list[str] = []
    desk = Desk(browser, live_server.url, DESK, errors)
    desk.login("supervisor1")
    page = desk.page
    page.goto(f"{live_server.url}/review/#/inspection/{again['uuid']}")
    shown = page.locator("[data-role=target]")
    expect(shown).to_contain_text(f"{PLATE} 重型半挂牵引车（{PLATE}）")
    expect(shown).to_contain_text("再次检查理由：群众举报该车仍在超载运输")
    desk.shot("target-revisit-01-record")
    shown.locator("a").click()
    expect(page.locator("h1")).to_have_text(f"{PLATE} 重型半挂牵引车")
    expect(page.locator("h2").nth(1)).to_have_text("检查记录（2 次）")
    expect(page.locator("table.inspection-history tbody tr").first).to_contain_text("群众举报该车仍在超载运输")
    expect(page.locator("table.class-history")).to_contain_text("C级（基本合格）")
    desk.shot("target-revisit-02-target-page")
    desk.context.close()
    assert errors == [], errors
