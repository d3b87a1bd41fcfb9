"""A draft reopened shows exactly what the phone stored: every field type the forms use is filled on
a phone, the page is closed, the draft is opened again in a new page, and what each control shows
is compared with the draft held in IndexedDB (and with what was typed). Text areas came back blank
when their value was set as an attribute (issue 13, item 3).

The form is tests/browser/data/sample-form.json (every item type), served as /api/forms would.
"""
import hashlib
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from .conftest import make_jpeg
from .test_form_rendering import item, serve_sample_form

STATEMENT = "当事人称：货物为钢材，\n对超限事实无异议。\n\n（第二段）请求从轻处罚。"
NOTE = "车货总质量 20250 千克，\n超过限值 2250 千克。"
DESCRIPTION = "蓝色重型半挂牵引车，\n挂车号 浙F6789挂"


def tiny_mp4(path: Path) -> Path:
    """A few bytes that are an MP4 by their header (ftyp box, then an mdat box)."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    path.write_bytes(ftyp + (8 + 4096).to_bytes(4, "big") + b"mdat" + bytes(4096))
    return path


def ensure_row(page, repeat: str, index: int, column: str):
    """The row's input, adding a row only when the form did not start with it."""
    field = page.locator(f'[id="f-{repeat}[{index}].{column}"]')
    if not field.count():
        item(page, repeat).locator("[data-role=add-row]").click()
    return field


def uuids_shown(page, path: str) -> list[str]:
    return item(page, path).locator(".evidence-item").evaluate_all("(items) => items.map((li) => li.dataset.uuid)")


def checked_values(page, name: str) -> list[str]:
    checked = page.locator(f'.item[data-path="{name}"] input:checked')
    return checked.evaluate_all("(inputs) => inputs.map((i) => i.value)")


def shown_answers(page) -> dict:
    """What the reopened draft shows, item by item, in the shape the draft stores answers."""
    check = item(page, "within_limit")
    pressed = check.locator(".check-choice[aria-pressed=true]")
    rows = page.locator("[data-path=axles] .repeat-row").count()
    return {
        "plate": page.input_value("#f-plate"),
        "vehicle_type": checked_values(page, "vehicle_type")[0],
        "axles": [{"axle_mass": float(page.input_value(f'[id="f-axles[{i}].axle_mass"]'))} for i in range(rows)],
        "measured_mass": float(page.input_value("#f-measured_mass")),
        "within_limit": {"result": pressed.get_attribute("data-result"),
                         "note": check.locator("textarea").input_value(),
                         "photos": uuids_shown(page, "within_limit")},
        "ticket_date": page.input_value("#f-ticket_date"),
        "weighed_at": page.input_value("#f-weighed_at"),
        "axle_count": int(page.input_value("#f-axle_count")),
        "disposal_method": checked_values(page, "disposal_method")[0],
        "unloaded_mass": float(page.input_value("#f-unloaded_mass")),
        "measures": checked_values(page, "measures"),
        "scene_photos": uuids_shown(page, "scene_photos"),
        "statement_audio": uuids_shown(page, "statement_audio"),
        "subject_statement": page.input_value("#f-subject_statement"),
        "clips": uuids_shown(page, "clips"),
        "place_fix": item(page, "place_fix").locator(".location-value").inner_text(),
    }


def stored_as_shown(answers: dict) -> dict:
    """The stored answers in the form a control shows them (datetime-local: local minutes)."""
    expected = {k: v for k, v in answers.items() if k not in ("subject_signature", "place_fix")}
    expected["weighed_at"] = datetime.fromisoformat(answers["weighed_at"]).strftime("%Y-%m-%dT%H:%M")
    expected["axles"] = [{"axle_mass": float(r["axle_mass"])} for r in answers["axles"]]
    fix = answers["place_fix"]
    expected["place_fix"] = f"{fix['lat']:.5f}, {fix['lon']:.5f}（±{fix['accuracy']} 米）"
    return expected


def test_every_field_type_shows_what_is_stored_after_the_page_is_closed(make_phone, tmp_path):
    phone = make_phone(service_workers="block")
    serve_sample_form(phone.context)
    page = phone.page
    phone.login("officer1")
    page.click("[data-role=new-inspection]")
    page.click("[data-form=pwa-sample]")
    page.wait_for_selector(".draft")
    uuid = page.locator(".draft").get_attribute("data-uuid")

    # Common facts: officers, subject (a text area among them), address.
    page.check("[data-role=co-officers] input[value=officer2]")
    page.fill("#subject-name", "浙F12345")
    page.fill("#subject-code", "330400000001")
    page.fill("#subject-description", DESCRIPTION)
    page.fill("#place-address", "沪杭高速海盐收费站治超点")
    # Text, choice, repeat rows of numbers, number, check with result, note and photo.
    page.fill("#f-plate", "浙F12345")
    page.check("input[name=vehicle_type][value=truck_2]")
    for index, mass in enumerate(("9000", "11000.5")):
        ensure_row(page, "axles", index, "axle_mass").fill(mass)
    page.fill("#f-measured_mass", "20250")
    expect(item(page, "excess_rate").locator("output")).to_have_text("12.50 %")
    check = item(page, "within_limit")
    check.locator("[data-result=fail]").click()
    check.locator("textarea").fill(NOTE)
    photo1, photo2, photo3 = (make_jpeg(tmp_path / f"p{i}.jpg", colour=(40 * i, 90, 160)) for i in (1, 2, 3))
    check.locator("input[data-role=photo-file]").set_input_files(str(photo1))
    check.locator(".evidence-item").wait_for()
    # Date, date and time, integer, a choice that shows a section, multi-choice.
    page.fill("#f-ticket_date", "2026-11-29")
    page.fill("#f-weighed_at", "2026-11-30T09:15")
    page.fill("#f-axle_count", "2")
    page.check("input[name=disposal_method][value=unload]")
    page.fill("#f-unloaded_mass", "2300")
    page.check('[data-path=measures] input[value=warning]')
    page.check('[data-path=measures] input[value=fine]')
    # Photo list, audio, video, a multi-line text, a location, a signature.
    item(page, "scene_photos").locator("input[data-role=photo-file]").set_input_files([str(photo2), str(photo3)])
    expect(item(page, "scene_photos").locator(".evidence-item")).to_have_count(2)
    audio = item(page, "statement_audio")
    audio.locator("[data-role=audio-record]").click()
    # Recording once the microphone is open (slow on a loaded machine), then a second's sound.
    expect(audio.locator("[data-role=audio-record]")).to_have_text("停止录音")
    page.wait_for_timeout(1200)
    audio.locator("[data-role=audio-record]").click()
    audio.locator(".evidence-item audio").wait_for()
    item(page, "clips").locator("input[data-role=video-file]").set_input_files(str(tiny_mp4(tmp_path / "clip.mp4")))
    item(page, "clips").locator(".evidence-item").wait_for()
    page.fill("#f-subject_statement", STATEMENT)
    item(page, "place_fix").locator("button").click()
    expect(item(page, "place_fix").locator(".location-value")).to_contain_text("30.52000, 120.94000")
    item(page, "subject_signature").locator("[data-role=sign]").click()
    box = page.locator(".signature-canvas").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (step % 3) * 30)
    page.mouse.up()
    page.click("[data-role=signature-done]")
    item(page, "subject_signature").locator(".signature-image").wait_for()
    phone.wait_until("async (uuid) => {"
                     " const d = await (await (await import('/js/db.js')).openStore()).get('drafts', uuid);"
                     " return d?.answers?.subject_signature"
                     " && d.answers.subject_statement?.endsWith('请求从轻处罚。'); }", uuid)

    # The officer closes the app; later the draft is opened again from the home screen.
    page.close()
    phone.page = page = phone.new_page()
    phone.open(f"#/draft/{uuid}")
    page.wait_for_selector(f'.draft[data-uuid="{uuid}"]')
    item(page, "subject_signature").locator(".signature-image").wait_for()
    expect(item(page, "clips").locator(".evidence-item")).to_have_count(1)
    phone.screenshot("20-draft-reopened")

    [draft] = [d for d in phone.idb("drafts") if d["uuid"] == uuid]
    answers = draft["answers"]
    # What was typed is what was stored ...
    assert answers["subject_statement"] == STATEMENT and answers["within_limit"]["note"] == NOTE
    assert answers["plate"] == "浙F12345" and answers["axles"] == [{"axle_mass": 9000}, {"axle_mass": 11000.5}]
    assert answers["measures"] == ["warning", "fine"] and answers["ticket_date"] == "2026-11-29"
    assert answers["weighed_at"].startswith("2026-11-30T09:15:00") and answers["weighed_at"].endswith("+08:00")
    assert len(answers["scene_photos"]) == 2 and len(answers["statement_audio"]) == 1 and len(answers["clips"]) == 1
    # ... and what is shown is what is stored, for every item.
    assert shown_answers(page) == stored_as_shown(answers)
    assert draft["subject"] == {"kind": "vehicle", "name": "浙F12345", "code": "330400000001",
                                "description": DESCRIPTION}
    assert page.input_value("#subject-name") == draft["subject"]["name"]
    assert page.input_value("#subject-code") == draft["subject"]["code"]
    assert page.input_value("#subject-description") == DESCRIPTION
    assert page.input_value("#subject-kind") == "vehicle"
    assert page.input_value("#place-address") == draft["place"]["address"]
    assert checked_values(page, "officers") == ["officer2"] and draft["officers"] == ["officer1", "officer2"]
    blobs = {b["uuid"]: b for b in phone.idb("blobs")}
    signature = blobs[answers["subject_signature"]]
    shown = item(page, "subject_signature").locator(".fingerprint").inner_text()
    assert shown == "指纹 " + " ".join(signature["sha256"][i:i + 4] for i in range(0, 16, 4))
    for path in ("scene_photos", "within_limit"):
        for li in item(page, path).locator(".evidence-item").all():
            assert li.get_attribute("data-sha256") == blobs[li.get_attribute("data-uuid")]["sha256"]
    assert {blobs[u]["sha256"] for u in answers["scene_photos"]} == {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (photo2, photo3)}
