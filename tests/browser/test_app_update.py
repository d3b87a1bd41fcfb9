"""A deploy changed the app while a phone had it open: the phone offers 新版本可用 on the home screen,
never inside the draft the officer is filling (held until the form is left), and the tap reloads it
into the new version. The server serves a copy of static/pwa/ (setting PWA_DIR) that the test edits;
the repository's files are never touched."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from .overload import start_overload_inspection

PWA = Path(__file__).resolve().parent.parent.parent / "static" / "pwa"


@pytest.fixture
def pwa_dir(tmp_path) -> Path:
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    return copy


@pytest.fixture
def live_server(app, personas, database_url, storage_dir, tmp_path, pwa_dir):
    """The app under gunicorn, serving the PWA from the test's own copy."""
    from server.extensions import db

    from ..conftest import start_gunicorn, stop_gunicorn

    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log",
                            extra_env={"FIELDCASE_PWA_DIR": str(pwa_dir)})
    yield server
    stop_gunicorn(server)


def served_version(live_server) -> str:
    return re.search(r'const VERSION = "([0-9a-f]+)"', requests.get(live_server.url + "/sw.js").text).group(1)


def running_version(page) -> str:
    return page.get_attribute('meta[name="fieldcase-version"]', "content")


def test_a_new_version_is_offered_on_home_never_inside_a_draft_and_the_tap_reloads_into_it(phone, live_server, pwa_dir):
    page = phone.page
    phone.login("officer1")
    phone.wait_for_service_worker()
    page.reload()
    page.wait_for_selector(".home")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    old = served_version(live_server)
    assert running_version(page) == old and f"应用版本 {old}" in page.inner_text(".home")
    expect(page.locator("#update")).to_be_hidden()  # the first install is no new version

    start_overload_inspection(phone, subject="浙F77777")
    draft_url = page.url
    phone.wait_until("() => location.hash.startsWith('#/draft/')")

    # The deploy: one precached module changes on the server.
    home_js = pwa_dir / "js" / "views" / "home.js"
    home_js.write_text(home_js.read_text().replace("应用版本 ", "应用版本（新） "))
    new = served_version(live_server)
    assert new != old

    # The officer reopens the app in the draft: the new worker installs and waits; no offer here.
    page.goto(draft_url)
    page.wait_for_selector(".draft")
    phone.wait_until("async () => !!(await navigator.serviceWorker.getRegistration()).waiting")
    page.wait_for_timeout(500)
    expect(page.locator("#update")).to_be_hidden()
    assert running_version(page) == old  # still the cached version: nothing reloaded underfoot
    expect(page.locator("#subject-name")).to_have_value("浙F77777")
    page.fill("#place-address", "沪杭高速海盐收费站治超点（二）")

    # Leaving the form: the offer is on the home screen.
    page.click(".brand")
    page.wait_for_selector(".home")
    expect(page.locator("#update")).to_be_visible()
    expect(page.locator("#update")).to_contain_text("新版本可用")
    assert "应用版本（新）" not in page.inner_text(".home")
    phone.screenshot("update-offered")

    # Back into the draft: the offer is gone again.
    page.locator("[data-role=drafts] a.list-link").first.click()
    page.wait_for_selector(".draft")
    expect(page.locator("#update")).to_be_hidden()
    page.click(".brand")
    page.wait_for_selector(".home")

    # The tap: the new worker takes over and the page reloads into the new version, draft kept.
    with page.expect_navigation():
        page.click("#update-reload")
    page.wait_for_selector("body[data-ready=true] .home")
    assert running_version(page) == new
    expect(page.locator(".home")).to_contain_text(f"应用版本（新） {new}")
    expect(page.locator("#update")).to_be_hidden()
    assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"
    phone.wait_until(f"async () => (await caches.keys()).every((name) => name.endsWith('-{new}'))")  # old cache gone
    [draft] = phone.idb("drafts")
    assert draft["subject"]["name"] == "浙F77777"

    # And offline it opens in the new version from the new cache.
    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector(".home")
    assert running_version(page) == new
    phone.context.set_offline(False)
