"""Issue 13, items 2 and 4 on a Pixel 5: a record returned yesterday is on the phone today, offline,
under 待更正 with the supervisor's comments; the amendment form shows them and the server's photos;
one draft per amendment; a replaced revision reads 已更正 and nothing red stays after approval; an
amendment overtaken by a colleague's says so in plain Chinese and can be dropped."""
from __future__ import annotations

from playwright.sync_api import expect

from .overload import item, require_server_features, submit
from .records_api import ITEM_COMMENTS, RETURN_COMMENT, act, amend_elsewhere, returned_record

DB = "(await import('/js/db.js')).openStore()"


def home_row(page, role: str, uuid: str):
    return page.locator(f"[data-role={role}] a[data-uuid='{uuid}']")


def tile_count(page, role: str) -> int:
    return int(page.inner_text(f"[data-role={role}-count]"))


def list_rows(page, role: str) -> int:
    return page.locator(f"[data-role={role}] a.list-link").count()


def assert_tiles_match_lists(page):
    for role in ("to-amend", "today", "drafts"):
        assert tile_count(page, role) == list_rows(page, role), role


def go_offline_and_reload(phone):
    phone.wait_for_service_worker()
    phone.context.set_offline(True)
    phone.page.reload()
    phone.page.wait_for_selector("body[data-ready=true] .screen")
    assert phone.page.inner_text("#network") == "离线"


def sync_now(phone):
    """Tap 同步 and wait for a pull of my records that began after the tap: a pull already under way
    (the one that going online starts) may end after the tap with what the server said before it."""
    tapped = phone.page.evaluate("() => new Date().toISOString()")
    phone.page.click("#sync-button")
    phone.wait_until(f"async (tapped) => ((await {DB}).get('meta', 'records_pulled_at'))"
                     ".then((t) => t && t >= tapped)", tapped)


def test_returned_yesterday_is_to_amend_offline_then_amended_and_approved(phone, live_server):
    require_server_features(live_server, uploads=True)
    record = returned_record(live_server, plate="浙F20001", days_ago=1)
    original = record["uuid"]
    page = phone.page
    phone.login("officer1")
    expect(home_row(page, "to-amend", original)).to_be_visible(timeout=30000)

    # The next morning, no network: the app opens from its cache and the returned record waits.
    go_offline_and_reload(phone)
    row = home_row(page, "to-amend", original)
    expect(row).to_contain_text("浙F20001")
    expect(row.locator(".status")).to_have_text("已退回，需更正")
    expect(row.locator("[data-role=return-excerpt]")).to_contain_text(RETURN_COMMENT)
    expect(page.locator("[data-role=to-amend-tile]")).to_have_class("tile tile-alert")
    assert tile_count(page, "to-amend") == 1
    assert_tiles_match_lists(page)
    phone.screenshot("h13-01-to-amend-offline", full_page=False)

    row.click()
    expect(page.locator("[data-role=server-status]")).to_have_text("已退回，需更正")
    comments = page.locator("[data-role=return-comment]")
    expect(comments).to_contain_text(RETURN_COMMENT)
    expect(comments.locator("[data-item=weighing_ticket]")).to_contain_text(ITEM_COMMENTS["weighing_ticket"])
    assert "weighing_ticket" not in comments.inner_text()  # the item's label, never its id

    # Offline, from the copy pulled yesterday: the amendment form, twice the same draft.
    page.click("[data-role=amend]")
    page.wait_for_selector(".draft")
    first_draft = page.get_attribute(".draft", "data-uuid")
    expect(page.locator(".draft [data-role=return-comment]")).to_contain_text(RETURN_COMMENT)
    ticket = item(page, "weighing_ticket")
    expect(ticket.locator("[data-role=item-comment]")).to_contain_text(ITEM_COMMENTS["weighing_ticket"])
    [photo] = [e for e in record["evidence"] if e["item_id"] == "weighing_ticket"]
    thumb = ticket.locator(f".evidence-item[data-uuid='{photo['uuid']}'] img.thumb")
    expect(thumb).to_be_visible()
    phone.wait_until("(uuid) => document.querySelector(`.evidence-item[data-uuid='${uuid}'] img.thumb`)"
                     ".naturalWidth > 0", photo["uuid"])
    comment = item(page, "within_limit").locator("[data-role=item-comment]")
    expect(comment).to_contain_text(ITEM_COMMENTS["within_limit"])
    phone.screenshot("h13-02-amendment-form", full_page=False)
    ticket.scroll_into_view_if_needed()
    phone.screenshot("h13-02b-amendment-photo", full_page=False)

    page.goto(f"{live_server.url}/#/inspection/{original}")
    expect(page.locator("[data-role=amend]")).to_contain_text("继续更正")
    page.click("[data-role=amend]")
    page.wait_for_selector(".draft")
    assert page.get_attribute(".draft", "data-uuid") == first_draft
    assert [d["uuid"] for d in phone.idb("drafts")] == [first_draft]

    # Submitted offline: no longer waiting for an amendment; the home counts what it lists.
    page.fill("#amendment-reason", "已补拍称重单，写明超限千克数。")
    submit(phone)
    expect(home_row(page, "to-amend", original)).to_have_count(0)
    assert tile_count(page, "to-amend") == 0
    assert_tiles_match_lists(page)

    # Online: the amendment goes up (files carried over), the supervisor approves it.
    phone.context.set_offline(False)
    phone.wait_until(f"""async () => (await {DB}).getAll('sent')
        .then((sent) => sent.some((s) => s.record.replaces && s.server.result === 'created'))""", timeout=60)
    [amendment] = [s["uuid"] for s in phone.idb("sent") if s["record"].get("replaces")]
    act(live_server, amendment, "approve", expected_status="complete")
    sync_now(phone)
    page.goto(f"{live_server.url}/#/")
    expect(home_row(page, "earlier", amendment).locator(".status")).to_have_text("审核通过")
    expect(page.locator(".home .status-returned")).to_have_count(0)
    expect(page.locator(".home .tile-alert")).to_have_count(0)
    assert_tiles_match_lists(page)
    phone.screenshot("h13-03-approved", full_page=False)

    # The replaced revision reads 已更正 (online and offline), and leads to the newest.
    page.goto(f"{live_server.url}/#/inspection/{original}")
    expect(page.locator("[data-role=server-status]")).to_have_text("已更正")
    expect(page.locator("[data-role=revisions]")).to_contain_text("第 1 版 · 已更正")
    expect(page.locator("[data-role=amend]")).to_have_count(0)
    go_offline_and_reload(phone)
    expect(page.locator("[data-role=server-status]")).to_have_text("已更正")
    expect(page.locator(".inspection")).to_contain_text("离线")
    page.click("[data-role=open-newest]")
    expect(page.locator("[data-role=server-status]")).to_have_text("审核通过")
    phone.context.set_offline(False)


def test_an_amendment_overtaken_by_a_colleagues_says_so_and_can_be_dropped(phone, live_server):
    require_server_features(live_server, uploads=True)
    queued = returned_record(live_server, plate="浙F20002", days_ago=0)
    drafted = returned_record(live_server, plate="浙F20003", days_ago=0)
    page = phone.page
    phone.login("officer1")
    expect(home_row(page, "to-amend", queued["uuid"])).to_be_visible(timeout=30000)
    expect(home_row(page, "to-amend", drafted["uuid"])).to_be_visible()

    # One amendment submitted while offline, one left as a draft.
    for record in (queued, drafted):
        page.goto(f"{live_server.url}/#/inspection/{record['uuid']}")
        page.click("[data-role=amend]")
        page.wait_for_selector(".draft")
        page.fill("#amendment-reason", "补拍称重单。")
    drafted_draft = page.get_attribute(".draft", "data-uuid")
    phone.wait_for_service_worker()
    phone.context.set_offline(True)
    page.goto(f"{live_server.url}/#/")
    page.locator("[data-role=drafts] a.list-link").filter(has_text="浙F20002").click()
    page.wait_for_selector(".draft")
    submit(phone)

    # Meanwhile officer2 amended both from their own phone.
    newest = amend_elsewhere(live_server, queued)
    amend_elsewhere(live_server, drafted)
    phone.context.set_offline(False)
    phone.wait_until(f"""async () => (await {DB}).getAll('outbox')
        .then((o) => o.length === 1 && o[0].state === 'conflict')""", timeout=60)

    page.goto(f"{live_server.url}/#/outbox")
    entry = page.locator(".outbox-entry")
    expect(entry.locator("[data-role=superseded]")).to_contain_text("不会再自动重试")
    expect(entry).to_contain_text("这条记录已被更正过（现为第 2 版），本次更正不能再提交")
    expect(entry.locator(".status")).to_have_text("记录已被更正，本次更正不能提交")
    assert "replaces" not in page.inner_text("body")
    expect(entry.locator("[data-role=fix]")).to_have_count(0)  # nothing to correct: it can never be sent
    phone.screenshot("h13-04-superseded", full_page=False)
    entry.locator("[data-role=open-newest]").click()
    page.wait_for_selector(f".inspection[data-uuid='{newest}']")
    expect(page.locator("[data-role=server-status]")).to_have_text("已接收，证据齐全")
    page.goto(f"{live_server.url}/#/outbox")
    page.click("[data-role=discard-superseded]")
    page.click("[data-role=discard-superseded-confirm]")
    expect(page.locator(".outbox-entry")).to_have_count(0)
    expect(page.locator("#outbox-count")).to_have_text("0")
    assert phone.idb("outbox") == []

    # The draft of the other one: after the next sync it says why it cannot be sent.
    sync_now(phone)
    page.goto(f"{live_server.url}/#/draft/{drafted_draft}")
    stale = page.locator("[data-role=stale-amendment]")
    expect(stale).to_contain_text("已经被更正过")
    expect(page.locator("[data-role=submit]")).to_be_disabled()
    assert "replaces" not in page.inner_text("body")
    page.click("[data-role=discard-stale]")
    page.click("[data-role=discard-stale-confirm]")
    page.wait_for_selector(".home")
    assert phone.idb("drafts") == []
    expect(page.locator(".home .status-returned")).to_have_count(0)
    assert_tiles_match_lists(page)

