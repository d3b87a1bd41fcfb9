"""The review desk read by a supervisor at a desk: the evidence flags summarised first, in human
units (3 天, 94 公里); items and files by their labels, never their ids; a signature called 签名;
each file's trail entries folded into one line; the case file exported beside the print button;
an amendment shown beside the revision it replaces, and its queue row counting its own files
(not the flagged photo it replaced). A plain officer gets a read-only list named for what it is."""
from __future__ import annotations

import copy
import json
import re
import uuid
import zipfile
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.factories import evidence_entry

from .test_review_desk import DESK, Desk, live_server, roadside_record, send_record  # noqa: F401 (fixture)

RAW_IDS = ("scene_photos", "within_limit.photos", "statement_audio", "officer1_signature")


def page_text(page) -> str:
    """The inspection page's text with every folded trail line opened."""
    page.evaluate("() => document.querySelectorAll('li.file-group details').forEach((d) => { d.open = true; })")
    return page.inner_text(".inspection-page")


def amend_scene_photo(server, record: dict) -> tuple[dict, dict]:
    """officer1's amendment: the first scene photo replaced by a new one, every other file kept."""
    amendment = copy.deepcopy(record)
    started = datetime.fromisoformat(record["started_at"])
    photo = evidence_entry("scene_photos", captured_at=started + timedelta(minutes=4))
    amendment["evidence"][0] = photo
    amendment["answers"]["scene_photos"] = [photo["uuid"], record["evidence"][1]["uuid"]]
    amendment.update(uuid=str(uuid.uuid4()), replaces=record["uuid"], amendment_reason="重拍现场照片。")
    send_record(server, amendment)
    return amendment, photo


def test_the_desk_reads_an_inspection_and_its_amendment_in_words(browser, live_server):  # noqa: F811 (the fixture imported above)
    errors: list[str] = []
    record = roadside_record("浙F7R001")
    scene = record["evidence"][0]
    send_record(live_server, record, misplaced={scene["uuid"]})  # taken 3 days earlier, 94 km away

    desk = Desk(browser, live_server.url, DESK, errors)
    desk.login("supervisor1")
    page = desk.page
    expect(page.locator(f"tr[data-uuid='{record['uuid']}'] .flag-tag")).to_have_text("⚠ 1")
    desk.open("浙F7R001")

    # The flags first, in words and human units, naming the file by its item.
    summary = page.locator("[data-role=flag-summary]")
    expect(summary.locator("h2")).to_have_text("证据提示 2 项")
    expect(summary).to_contain_text("现场照片 · 照片 1：照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 3 天。")
    expect(summary).to_contain_text("现场照片 · 照片 1：照片 GPS 位置距检查地点约 94 公里。")
    assert page.evaluate("""() => Boolean(document.querySelector('[data-role=flag-summary]')
        .compareDocumentPosition(document.querySelector('[data-role=items]')) & Node.DOCUMENT_POSITION_FOLLOWING)""")

    # Each file's trail entries are one line that opens to show them all.
    trail = page.locator("[data-role=trail]")
    expect(trail.locator("li.file-group")).to_have_count(len(record["evidence"]))
    group = trail.locator(f"li.file-group[data-evidence='{scene['uuid']}']")
    expect(group.locator("summary")).to_contain_text("现场照片 · 照片 1")
    received = group.locator("li[data-action='evidence.received']")
    expect(received).to_be_hidden()
    group.locator("summary").click()
    expect(received).to_be_visible()
    expect(received).to_contain_text("检查项：现场照片")
    assert int(group.get_attribute("data-entries")) >= 3  # upload started, completed, received

    # Labels, never ids; no "4320 分钟" or "93990 米" anywhere; a signature is 签名.
    text = page_text(page)
    assert [raw for raw in RAW_IDS if raw in text] == []
    assert re.findall(r"\d{4,} ?(?:分钟|米)", text) == []
    times = page.locator("table.times")
    expect(times).to_contain_text("车货总质量未超过限定标准（取证照片） · 照片 1")
    expect(times).to_contain_text("主办执法人员签名 · 签名 1")
    expect(page.locator("[data-role=plot]")).to_contain_text("现场照片 · 照片 1：北纬 31.")
    expect(page.locator("[data-role=plot]")).to_contain_text("距检查地点 94 公里")
    signature = page.locator(".item[data-item=officer1_signature] .evidence")
    expect(signature.locator(".evidence-facts")).to_contain_text("签名 ·")
    assert "照片" not in signature.inner_text()
    assert signature.locator("img").get_attribute("alt") == "主办执法人员签名 · 签名 1"
    desk.shot("review-desk-reading-01")

    # The case file, beside the print button.
    export = page.locator("[data-role=actions] [data-role=export]")
    expect(export).to_have_text("导出案卷（ZIP）")
    assert export.evaluate("(a) => a.parentElement === document.querySelector('[data-role=print]').parentElement")
    with page.expect_download() as download:
        export.click()
    with zipfile.ZipFile(download.value.path()) as casefile:
        manifest = json.loads(casefile.read("manifest.json"))
    assert record["uuid"] in json.dumps(manifest)

    # Returned; the officer replaces the misplaced photo.
    page.fill("#return-comment", "现场照片不是本次检查拍摄的，请重拍。")
    page.click("form[data-action=return] button[type=submit]")
    expect(desk.status()).to_have_text("已退回")
    amendment, photo = amend_scene_photo(live_server, record)

    # Revision 2's queue row counts its own files: no flag inherited, all five listed files.
    page.goto(live_server.url + "/review/#/")
    row = page.locator(f"tr[data-uuid='{amendment['uuid']}']")
    expect(row).to_contain_text("第2版")
    expect(row.locator(".flag-tag")).to_have_count(0)
    expect(row.locator("td").nth(6)).to_have_text(f"{len(amendment['evidence'])}/{len(amendment['evidence'])}")
    desk.open("浙F7R001")

    # What changed, side by side: the replaced photo struck out, the new one marked, the kept one plain.
    changes = page.locator("[data-role=changes]")
    expect(changes.locator("h2")).to_have_text("与第 1 版相比的变更（1 项）")
    expect(changes).to_contain_text("更正理由：重拍现场照片。")
    scene_row = changes.locator("tr[data-item=scene_photos]")
    expect(scene_row.locator("th")).to_have_text("现场照片")
    before = scene_row.locator(f"[data-side=before] [data-evidence='{scene['uuid']}']")
    expect(before).to_have_attribute("data-change", "removed")
    after = scene_row.locator(f"[data-side=after] [data-evidence='{photo['uuid']}']")
    expect(after).to_contain_text("新增 现场照片 · 照片 3")
    expect(scene_row.locator("[data-side=after] [data-change=kept]")).to_have_text("现场照片 · 照片 2")
    expect(page.locator("[data-role=flag-summary]")).to_contain_text("证据提示：无")
    desk.shot("review-desk-reading-02-amendment")
    desk.context.close()
    assert errors == [], errors


def test_a_plain_officer_gets_a_read_only_list_of_their_own_records(browser, live_server):  # noqa: F811 (the fixture imported above)
    errors: list[str] = []
    record = roadside_record("浙F7R002")
    send_record(live_server, record)
    desk = Desk(browser, live_server.url, DESK, errors)
    desk.login("officer1")
    page = desk.page
    expect(page.locator("h1")).to_have_text("我的检查记录（只读）")
    expect(page.locator(".brand")).to_have_text("我的检查记录")
    assert "审核" not in page.title()
    expect(page.locator("[data-role=read-only] [data-role=open-app]")).to_have_attribute("href", "/")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    desk.shot("review-desk-officer-01")
    desk.open("浙F7R002")
    expect(page.locator("[data-role=documents] [data-role=print]")).to_be_visible()
    expect(page.locator("[data-role=documents] [data-role=export]")).to_be_visible()
    expect(page.locator("form[data-action]")).to_have_count(0)
    expect(page.locator("[data-item-comment]")).to_have_count(0)
    assert "审核操作" not in page.inner_text(".inspection-page")
    desk.context.close()
    assert errors == [], errors
