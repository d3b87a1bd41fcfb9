"""Scenario 4 of the PWA issue: the session expires while the phone is offline with a queued
inspection; back online the app asks to log in again, nothing queued is lost; after the login the
queue drains — and when the server's answer is lost on the way back, the resend is recognised as a
duplicate: exactly one record on the server."""
from playwright.sync_api import expect

from .conftest import PASSWORD
from .overload import fill_overload, require_server_features, submit


def test_expired_session_relogin_drains_once(phone, live_server, tmp_path):
    require_server_features(live_server)
    page = phone.page
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/2')")

    phone.context.set_offline(True)
    fill_overload(phone, tmp_path, subject="浙F54321")
    submit(phone)
    [queued] = phone.idb("outbox")
    uuid = queued["uuid"]
    phone.context.clear_cookies()  # the session ends while the phone is offline

    syncs = []

    def lose_first_answer(route):
        """The first sync after the new login reaches the server, but its answer never arrives."""
        syncs.append(route.request.post_data_json["records"][0]["uuid"])
        if len(syncs) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.context.set_offline(False)
    banner = page.locator("#session-expired")
    expect(banner).to_be_visible(timeout=20000)
    assert [e["uuid"] for e in phone.idb("outbox")] == [uuid]
    expect(page.locator("#outbox-count")).to_have_text("1")
    phone.screenshot("14-session-expired", full_page=False)

    phone.context.route("**/api/sync", lose_first_answer)
    banner.locator("#relogin").click()
    page.wait_for_selector("form.login")
    assert page.input_value("#username") == "officer1"
    assert "不会丢失" in page.inner_text("form.login")
    phone.screenshot("15-relogin", full_page=False)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".home")
    expect(banner).to_be_hidden()

    for _ in range(80):  # the login's drain runs into the lost answer
        if syncs:
            break
        page.wait_for_timeout(250)
    expect(page.locator("#outbox-count")).to_have_text("1")  # no answer: the entry stays
    page.click("#sync-button")  # the officer taps 同步 (the timer would retry too)
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).count('outbox')"
                     ".then((n) => n === 0)")
    assert syncs[:2] == [uuid, uuid]
    [sent] = phone.idb("sent")
    assert sent["uuid"] == uuid and sent["server"]["result"] == "duplicate"

    server = live_server.login("officer1")
    listed = server.get(f"{live_server.url}/api/inspections", params={"q": "浙F54321"}).json()["items"]
    assert [i["uuid"] for i in listed] == [uuid]
    held = server.get(f"{live_server.url}/api/inspections/{uuid}").json()
    assert {e["uuid"] for e in held["evidence"]} == {e["uuid"] for e in queued["record"]["evidence"]}
