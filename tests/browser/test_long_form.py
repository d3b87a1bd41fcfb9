"""The long overload form on a Pixel 5 (issue 13, item 8): a section index that jumps and counts the
required answers (必填 18/25), repeats that start with their minimum rows, no `*` beside optional or
computed items, no brackets inside brackets, a 同步 button that says why nothing happens offline, a
header badge that counts one thing and names it, and persistent storage asked for and reported."""
import re

from playwright.sync_api import expect

from .overload import fill_overload, item, require_server_features

NESTED_BRACKETS = re.compile(r"（[^（）]*（|\([^()]*\(")


def open_overload_draft(phone):
    page = phone.page
    page.click("[data-role=new-inspection]")
    page.click("[data-form=overload]")
    page.wait_for_selector(".draft")
    phone.wait_until("() => document.querySelector('[data-role=place]').textContent.includes('30.52000')")
    return page


def index_titles(page) -> list[str]:
    return page.locator("[data-role=index-list] .index-title").all_inner_texts()


def test_section_index_jumps_and_counts_required_answers(phone, live_server, tmp_path):
    require_server_features(live_server)
    phone.login("officer1")
    page = open_overload_draft(phone)
    index = page.locator("[data-role=form-index]")
    # Officers, subject, place (located) + 4 + 7 + 5 + 5 required items of the visible sections.
    expect(index.locator("[data-role=progress]")).to_have_text("必填 1/24")
    page.fill("#subject-name", "浙F12345")
    expect(index.locator("[data-role=progress]")).to_have_text("必填 2/24")
    page.fill("#f-plate", "浙F12345")
    expect(index.locator("[data-role=progress]")).to_have_text("必填 3/24")

    weighing = page.locator("[data-section=weighing]")
    assert weighing.bounding_box()["y"] > 2 * page.viewport_size["height"]  # screens below
    index.locator("[data-role=index-toggle]").click()
    assert index_titles(page) == ["基本信息", "现场检查程序", "车辆与驾驶员", "称重检测", "告知、陈述与签名"]
    counts = dict(zip(index_titles(page), index.locator(".index-count").all_inner_texts(), strict=True))
    assert counts["基本信息"] == "2/3" and counts["车辆与驾驶员"] == "1/7" and counts["称重检测"] == "0/5"
    phone.screenshot("30-form-index-open", full_page=False)
    index.locator("[data-jump=weighing]").click()
    expect(index.locator("[data-role=index-list]")).to_be_hidden()
    # The section's title comes into view just below the index, which stays under the top bar.
    phone.wait_until("""() => { const index = document.querySelector('[data-role=form-index]').getBoundingClientRect();
        const section = document.querySelector('[data-section=weighing]').getBoundingClientRect();
        return section.top >= index.bottom && section.top - index.bottom < 40 && index.top < 80; }""")
    phone.screenshot("31-form-index-jumped", full_page=False)

    # A whole inspection filled: the 处置 section and the party's signature appear, all done.
    page.close()
    phone.page = phone.new_page()
    phone.open("#/")
    fill_overload(phone, tmp_path)
    index = phone.page.locator("[data-role=form-index]")
    expect(index.locator("[data-role=progress]")).to_have_text("必填 30/30")
    index.locator("[data-role=index-toggle]").click()
    assert "处置" in index_titles(phone.page)
    expect(index.locator(".index-entry:not(.complete)")).to_have_count(0)


def test_repeat_rows_labels_and_required_marks(phone, live_server):
    require_server_features(live_server)
    phone.login("officer1")
    page = open_overload_draft(phone)
    axles = item(page, "axles")
    expect(axles.locator(".repeat-row")).to_have_count(2)  # min_rows: 2, ready to fill
    assert axles.locator("legend").all_inner_texts() == ["各轴称重 第 1 行", "各轴称重 第 2 行"]
    expect(axles.locator("[data-role=add-row]")).to_have_text("添加一行（各轴称重）")
    [draft] = phone.idb("drafts")
    assert draft["answers"]["axles"] == [{}, {}]

    texts = page.locator(".draft").evaluate(
        "(root) => [...root.querySelectorAll('label, legend, button, summary, .item-label, output, .hint, h2')]"
        ".map((e) => e.textContent)")
    assert [t for t in texts if NESTED_BRACKETS.search(t)] == []

    def head(path):
        return item(page, path).locator(":scope > .item-head")

    for path in ("axle_count", "legal_limit", "excess_rate", "owner_phone", "recording_clips"):  # computed, optional
        assert "*" not in head(path).text_content(), path
    for path in ("plate", "axles", "within_limit", "subject_statement"):
        expect(head(path).locator(".required-mark")).to_be_visible()
    expect(item(page, "axles[0].axle_mass").locator(".required-mark")).to_be_visible()
    phone.screenshot("32-overload-top", full_page=False)


def test_sync_button_offline_says_why(phone):
    page = phone.page
    phone.login("officer1")
    phone.context.set_offline(True)
    page.click("#sync-button")
    expect(page.locator("#toast")).to_contain_text("当前离线，无法同步")
    expect(page.locator("#network")).to_have_text("离线")


def test_header_badge_counts_records_not_yet_on_the_server(phone):
    """Two records not wholly on the server (one waiting to be sent, one sent whose 3 files are
    still to upload) show as 2 待同步记录, not as 4 mixed records and files."""
    page = phone.page
    phone.login("officer1")
    phone.context.set_offline(True)  # nothing is sent while the test arranges the store
    expect(page.locator(".outbox-link")).to_contain_text("待同步记录")
    page.evaluate("""async () => {
        const db = await (await import('/js/db.js')).openStore();
        const record = (uuid) => ({ uuid, form_id: 'overload', form_version: 1,
            subject: { kind: 'vehicle', name: '浙F12345' }, started_at: new Date().toISOString(),
            answers: {}, evidence: [] });
        await db.put('outbox', {
            uuid: '00000000-0000-4000-8000-000000000001', record: record('00000000-0000-4000-8000-000000000001'),
            queued_at: new Date().toISOString(), state: 'pending', attempts: 0 });
        await db.put('sent', {
            uuid: '00000000-0000-4000-8000-000000000002', record: record('00000000-0000-4000-8000-000000000002'),
            server: { result: 'created', status: 'incomplete', missing_evidence: ['a', 'b', 'c'] } });
        await db.put('sent', {
            uuid: '00000000-0000-4000-8000-000000000003', record: record('00000000-0000-4000-8000-000000000003'),
            server: { result: 'created', status: 'complete', missing_evidence: [] } });
    }""")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#outbox-count")).to_have_text("2")
    expect(page.locator(".outbox-link")).to_have_attribute("aria-label", "待同步记录 2 条")
    assert page.locator(".outbox-link").inner_text().replace("\n", " ").split() == ["待同步记录", "2"]
    phone.screenshot("33-header-badge", full_page=False)
    page.click("#sync-button")
    expect(page.locator("#toast")).to_have_text("当前离线，无法同步。2 条记录已安全保存在本机，联网后自动同步。")


def test_refused_persistent_storage_is_said(phone):
    page = phone.page
    phone.login("officer1")
    assert page.evaluate("navigator.storage.persisted()") is False  # a plain tab: Chromium refuses
    banner = page.locator("#storage-warning")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("可能清除尚未同步的检查记录和证据")
    phone.screenshot("34-storage-refused", full_page=False)
    banner.get_by_role("button", name="知道了").click()  # out of the way for this session ...
    expect(banner).to_be_hidden()
    phone.page.reload()  # ... and said again at the next start, not only at login
    page.wait_for_selector("body[data-ready=true]")
    expect(banner).to_be_visible()


def test_granted_persistent_storage_shows_no_warning(playwright_instance, live_server, tmp_path):
    """Chromium grants persistent storage only to a real profile (not to a throw-away context): a
    phone whose browser keeps the data shows no warning, and the home screen says it is kept."""
    from .conftest import CHROMIUM, GEO, Phone

    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM,
        **{k: v for k, v in playwright_instance.devices["Pixel 5"].items() if k != "default_browser_type"},
        locale="zh-CN", timezone_id="Asia/Shanghai", permissions=["geolocation"], geolocation=GEO,
        args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
    try:
        phone = Phone(context, live_server.url)
        cdp = context.new_cdp_session(phone.page)
        cdp.send("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["durableStorage"]})
        phone.login("officer1")
        phone.wait_until("() => navigator.storage.persisted()")
        phone.open("#/")
        expect(phone.page.locator("[data-role=storage]")).to_contain_text("已设为持久保存")
        expect(phone.page.locator("#storage-warning")).to_be_hidden()
        assert phone.errors == []
    finally:
        context.close()
