"""Filling a checklist on the phone: conditions and computed values as the form says, Chinese
validation before submitting, drafts that survive a reload, evidence with the SHA-256 computed at
capture, audio from the microphone, a signature, and a submitted record waiting in the outbox.

The form is tests/browser/data/sample-form.json (every item type, shaped like forms/overload-v1.yaml),
answered to the app as /api/forms would; everything else is the real server.
"""
import hashlib
import json
import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import make_jpeg

SAMPLE = json.loads((Path(__file__).parent / "data" / "sample-form.json").read_text("utf-8"))
SUMMARY = [{k: SAMPLE[k] for k in ("id", "version", "title", "domain", "subject_kind", "hash")} | {"current": True}]


def serve_sample_form(context):
    context.route("**/api/forms", lambda route: route.fulfill(json=SUMMARY, headers={"ETag": '"sample"'}))
    context.route("**/api/forms/pwa-sample/1", lambda route: route.fulfill(json=SAMPLE))


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def item(page, path):
    return page.locator(f'.item[data-path="{path}"]')


def test_fill_validate_capture_sign_and_queue(make_phone, tmp_path):
    phone = make_phone(service_workers="block")
    serve_sample_form(phone.context)
    page = phone.page
    phone.login("officer1")
    page.click("[data-role=new-inspection]")
    page.click("[data-form=pwa-sample]")
    page.wait_for_selector(".draft")
    phone.wait_until("() => document.querySelector('[data-role=place]').textContent.includes('30.52000')")

    page.check("[data-role=co-officers] input[value=officer2]")
    page.fill("#subject-name", "浙F12345")
    page.fill("#f-plate", "浙F12345")
    page.check('input[name=vehicle_type][value=truck_2]')
    assert not page.is_visible('[data-section=disposal]')
    expect(item(page, "axles").locator(".repeat-row")).to_have_count(2)  # the form's min_rows, ready to fill
    page.fill('[id="f-axles[0].axle_mass"]', "9000")
    page.fill('[id="f-axles[1].axle_mass"]', "11000.5")
    expect(item(page, "axle_mass_sum").locator("output")).to_have_text("20000.5 千克")
    page.fill("#f-measured_mass", "20250")
    expect(item(page, "legal_limit").locator("output")).to_have_text("18000 千克")
    expect(item(page, "excess_mass").locator("output")).to_have_text("2250 千克")
    expect(item(page, "excess_rate").locator("output")).to_have_text("12.50 %")
    expect(page.locator("[data-section=disposal]")).to_be_visible()  # show_if: excess_mass > 0

    check = item(page, "within_limit")
    check.locator("[data-result=fail]").click()
    expect(check.locator("[data-result=fail]")).to_have_attribute("aria-pressed", "true")
    assert check.locator(".violation").inner_text() == "涉嫌：车辆超限运输"
    check.locator("details.legal summary").click()
    assert "第六十四条" in check.locator("details.legal").inner_text()

    page.click("[data-role=submit]")
    expect(check.locator(".item-errors")).to_have_text("判定为“不符合”时，须拍摄至少一张照片并填写情况说明。")
    expect(item(page, "scene_photos").locator(".item-errors")).to_have_text("此项必填。")
    expect(item(page, "subject_signature").locator(".item-errors")).to_have_text("请签名。")
    expect(item(page, "disposal_method").locator(".item-errors")).to_have_text("此项必填。")
    expect(page.locator(".submit-summary")).to_contain_text("需要修改")
    assert phone.idb("outbox") == []
    phone.screenshot("04-validation")

    # A reload (or a crash) loses nothing entered.
    page.reload()
    page.wait_for_selector(".draft")
    assert page.input_value("#f-plate") == "浙F12345"
    assert page.input_value('[id="f-axles[1].axle_mass"]') == "11000.5"
    expect(item(page, "excess_rate").locator("output")).to_have_text("12.50 %")
    check = item(page, "within_limit")
    expect(check.locator("[data-result=fail]")).to_have_attribute("aria-pressed", "true")

    photo1, photo2, photo3 = (make_jpeg(tmp_path / f"p{i}.jpg", colour=(40 * i, 90, 160)) for i in (1, 2, 3))
    check.locator("textarea").fill("车货总质量20250千克，超过限值2250千克。")
    check.locator("input[data-role=photo-file]").set_input_files(str(photo1))
    check.locator(f'.evidence-item .fingerprint:text("{fingerprint(photo1)}")').wait_for()
    scene = item(page, "scene_photos")
    scene.locator("input[data-role=photo-file]").set_input_files([str(photo2), str(photo3)])
    for photo in (photo2, photo3):
        scene.locator(f'.fingerprint:text("{fingerprint(photo)}")').wait_for()

    audio = item(page, "statement_audio")
    audio.locator("[data-role=audio-record]").click()
    page.wait_for_timeout(3200)
    expect(audio.locator(".timer")).to_have_text(re.compile(r"00:0[3-9]"))
    audio.locator("[data-role=audio-record]").click()
    audio.locator(".evidence-item audio").wait_for()

    page.check('input[name=disposal_method][value=unload]')
    expect(item(page, "unloaded_mass")).to_have_class(re.compile(r"\brequired\b"))  # required_if
    page.fill("#f-unloaded_mass", "2300")

    item(page, "subject_signature").locator("[data-role=sign]").click()
    box = page.locator(".signature-canvas").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (step % 3) * 30)
    page.mouse.up()
    phone.screenshot("05-signature", full_page=False)
    page.click("[data-role=signature-done]")
    item(page, "subject_signature").locator(".signature-image").wait_for()
    phone.screenshot("06-draft-filled")

    phone.context.set_offline(True)
    page.click("[data-role=submit]")
    page.wait_for_selector(".home")
    phone.wait_until("() => document.getElementById('outbox-count').textContent === '1'")

    [entry] = phone.idb("outbox")
    record = entry["record"]
    assert entry["state"] == "pending" and record["form_id"] == "pwa-sample" and record["form_version"] == 1
    assert record["officers"] == ["officer1", "officer2"]
    assert record["subject"] == {"kind": "vehicle", "name": "浙F12345", "code": None, "description": None}
    assert record["place"]["latitude"] == 30.52 and record["place"]["longitude"] == 120.94
    answers = record["answers"]
    assert "excess_rate" not in answers and "remark" not in answers  # the server computes its own
    assert answers["axles"] == [{"axle_mass": 9000}, {"axle_mass": 11000.5}]
    assert answers["within_limit"]["result"] == "fail" and len(answers["within_limit"]["photos"]) == 1
    assert answers["disposal_method"] == "unload" and answers["unloaded_mass"] == 2300
    by_item = {}
    for evidence in record["evidence"]:
        by_item.setdefault(evidence["item_id"], []).append(evidence)
    assert {k: len(v) for k, v in by_item.items()} == {
        "within_limit.photos": 1, "scene_photos": 2, "statement_audio": 1, "subject_signature": 1}
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (photo2, photo3)}
    assert {e["sha256"] for e in by_item["scene_photos"]} == expected
    assert by_item["within_limit.photos"][0]["sha256"] == hashlib.sha256(photo1.read_bytes()).hexdigest()
    assert by_item["statement_audio"][0]["media_type"].startswith("audio/webm")
    assert by_item["subject_signature"][0]["media_type"] == "image/png"
    assert all(e["captured_at"][-6:] == "+08:00" and e["size"] > 0 for e in record["evidence"])
    assert phone.idb("drafts") == []
    blobs = {b["uuid"]: b for b in phone.idb("blobs")}
    assert set(blobs) == {e["uuid"] for e in record["evidence"]}
    assert all(blobs[e["uuid"]]["blob"]["blob_size"] == e["size"] for e in record["evidence"])

    page.click(".outbox-link")
    page.wait_for_selector(".outbox-entry[data-state=pending]")
    phone.screenshot("07-outbox")
    phone.context.set_offline(False)
