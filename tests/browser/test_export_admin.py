"""The administrators' export section of the review desk, in Chromium: a receiver that was down
left dead letters; the admin opens 数据上报, sees them, replays one, and the delivery thread
delivers it (the receiver is back)."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from server.export import outbox
from server.extensions import db
from tests.conftest import start_gunicorn, stop_gunicorn
from tests.export.receiver import Receiver

from .conftest import PASSWORD, SCREENSHOTS


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def export_server(app, personas, database_url, storage_dir, tmp_path, receiver):
    """gunicorn with one delivery attempt per event, and an endpoint at the receiver."""
    receiver.secret = outbox.add_endpoint("province", receiver.url).secret
    receiver.default_plan = ["fail"]  # down for the first attempt of every event
    db.session.commit()
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log", extra_env={
        "FIELDCASE_EXPORT_MAX_ATTEMPTS": "1", "FIELDCASE_EXPORT_POLL_SECONDS": "1"})
    yield server
    stop_gunicorn(server)


def test_an_admin_replays_a_dead_letter_from_the_review_desk(browser, export_server, receiver):
    admin_api = export_server.login("admin")  # a write: the delivery threads wake up
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(admin_api.get(
            export_server.url + "/api/export/dead-letters").json()) < 5:
        time.sleep(0.2)
    dead = admin_api.get(export_server.url + "/api/export/dead-letters").json()
    assert len(dead) == 5 and receiver.accepted == {}  # the five officers' accounts

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(export_server.url + "/review/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.click("text=数据上报（省执法平台）")
    expect(page.locator("table.export-dead tbody tr")).to_have_count(5)
    expect(page.locator("table.export-endpoints td[data-state=dead]")).to_have_text("5")
    first = dead[0]["event_id"]
    page.locator(f"table.export-dead tr[data-event={first}] button").click()
    expect(page.locator("table.export-dead tbody tr")).to_have_count(4)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and first not in receiver.accepted:
        time.sleep(0.1)
    assert first in receiver.accepted and receiver.bad_signatures == []
    page.reload()
    expect(page.locator("table.export-endpoints td[data-state=delivered]")).to_have_text("1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "export-admin.png"), full_page=True)
    assert errors == []
    context.close()
