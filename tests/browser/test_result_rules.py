"""Issue 13 items 1 and 6 on a phone: the weighing decides 车货总质量未超过限定标准 (overload form
version 2: 20,000 kg on a two-axle truck against 18,000 kg is 不符合, 符合 cannot be chosen, the
reason stands beside the item), and the party's statement is recorded on the fake microphone in the
closing fragment's 陈述、申辩录音, with a body camera's clip chosen for 询问录音; the record is queued,
synced and its files uploaded: complete, with one failed check."""
import re

from playwright.sync_api import expect

from tests.evidence import samples

from .conftest import make_jpeg
from .overload import attach_photos, choose, item, require_server_features, sign, start_overload_inspection

REASON = "车货总质量超过限值（超限量大于 0），应判定为“不符合”。"


def weigh(page, axle_masses, measured):
    choose(page, "vehicle_type", "truck_2")
    add_row = item(page, "axles").locator("[data-role=add-row]")
    for index, mass in enumerate(axle_masses):
        if not page.locator(f'[id="f-axles[{index}].axle_mass"]').count():  # a repeat starts with its minimum rows
            add_row.click()
        choose(page, f"axles[{index}].axle_group", "single_dual_tyre")
        page.fill(f'[id="f-axles[{index}].axle_mass"]', str(mass))
    page.fill("#f-measured_mass", str(measured))


def test_the_weighing_decides_the_check_and_the_statement_is_recorded(phone, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    page = phone.page
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/2')")
    start_overload_inspection(phone, "浙F20000")
    photos = {name: [make_jpeg(tmp_path / f"{name}-{i}.jpg", colour=(20 + 40 * i, 80, 20 * len(name)))
                     for i in range(count)]
              for name, count in (("scene_photos", 1), ("vehicle_photos", 2), ("weighing_ticket", 1),
                                  ("within_limit", 1), ("disposal_photos", 1))}

    # Weighed: 20,000 kg against 18,000 kg. The phone sets 不符合 and refuses 符合, saying why.
    check = item(page, "within_limit")
    expect(check.locator("[data-role=rule-reason]")).to_be_hidden()
    weigh(page, (8000, 12000), 20000)
    expect(item(page, "excess_mass").locator("output")).to_have_text("2000 千克")
    expect(check.locator("[data-result=fail]")).to_have_attribute("aria-pressed", "true")
    expect(check.locator("[data-role=rule-reason]")).to_have_text(REASON)
    expect(check.locator("[data-result=pass]")).to_be_disabled()
    check.locator("[data-result=pass]").click(force=True)  # a tap on the refused choice changes nothing
    expect(check.locator("[data-result=fail]")).to_have_attribute("aria-pressed", "true")
    expect(check.locator(".check-detail")).to_be_visible()
    phone.screenshot("30-result-rule-decides", full_page=False)
    [draft] = phone.idb("drafts")
    assert draft["answers"]["within_limit"]["result"] == "fail"  # kept in the draft, not only shown

    # A corrected weighing (17,000 kg) settles it the other way at once.
    page.fill("#f-measured_mass", "17000")
    expect(check.locator("[data-result=pass]")).to_have_attribute("aria-pressed", "true")
    expect(check.locator("[data-result=fail]")).to_be_disabled()
    expect(check.locator("[data-role=rule-reason]")).to_contain_text("应判定为“符合”")
    page.fill("#f-measured_mass", "20000")
    expect(check.locator("[data-result=fail]")).to_have_attribute("aria-pressed", "true")

    choose(page, "identity_shown", "yes")
    page.fill("#f-persons_present", "驾驶员李某，电话 13900000000")
    choose(page, "recording", "phone")
    attach_photos(page, "scene_photos", photos["scene_photos"])
    page.fill("#f-plate", "浙F20000")
    attach_photos(page, "vehicle_photos", photos["vehicle_photos"])
    page.fill("#f-driver_name", "李某")
    page.fill("#f-driver_licence", "330424198202020022")
    page.fill("#f-owner", "海盐某某运输有限公司")
    page.fill("#f-cargo", "砂石")
    choose(page, "permit_held", "no")
    attach_photos(page, "weighing_ticket", photos["weighing_ticket"])
    check.locator("textarea").fill("车货总质量 20000 千克，超过限值 2000 千克。")
    attach_photos(page, "within_limit", photos["within_limit"])
    choose(page, "disposal_method", "unload")
    page.fill("#f-unloaded_mass", "2100")
    page.fill("#f-reweighed_mass", "17900")
    attach_photos(page, "disposal_photos", photos["disposal_photos"])
    choose(page, "vehicle_detained", "no")
    choose(page, "rights_informed", "yes")
    page.fill("#f-subject_statement", "对称重结果无异议，请求从轻处罚。")

    # 询问录音: the body camera's clip (H.264 + AAC, made by ffmpeg) chosen from the phone's files.
    clip = tmp_path / "DJI_20261130_0932.mp4"
    clip.write_bytes(samples.ffmpeg_sample("mp4-h264-aac", tmp_path))
    attach_photos(page, "inquiry_audio", [clip], through="audio-file")
    # 陈述、申辩录音: recorded on the phone's (fake) microphone.
    audio = item(page, "statement_audio")
    audio.locator("[data-role=audio-record]").click()
    expect(audio.locator(".timer")).to_have_text(re.compile(r"00:0[2-9]"), timeout=10000)
    audio.locator("[data-role=audio-record]").click()
    audio.locator(".evidence-item audio").wait_for()

    choose(page, "subject_signs", "signed")
    for path in ("subject_signature", "officer1_signature", "officer2_signature"):
        sign(page, path)
    phone.screenshot("31-closing-with-recordings")
    page.click("[data-role=submit]")
    page.wait_for_selector(".home")

    def queued_record():
        entries = phone.idb("outbox") or [s for s in phone.idb("sent")]
        return entries[0]["record"]
    record = queued_record()
    assert record["form_version"] == 2 and record["answers"]["within_limit"]["result"] == "fail"
    by_item = {e["item_id"]: e for e in record["evidence"]}
    assert by_item["statement_audio"]["media_type"].startswith("audio/webm")
    assert by_item["inquiry_audio"]["media_type"] == "video/mp4"

    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.length === 1 && !(sent[0].server.missing_evidence || []).length)""", timeout=90)
    server = live_server.login("officer1")
    held = server.get(f"{live_server.url}/api/inspections/{record['uuid']}").json()
    assert held["status"] == "complete" and held["failed_checks"] == 1
    received = {e["item_id"]: e for e in held["evidence"]}
    assert received["statement_audio"]["received_at"] and received["inquiry_audio"]["received_at"]
    assert received["statement_audio"]["sha256"] == by_item["statement_audio"]["sha256"]
