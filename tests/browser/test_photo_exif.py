"""A photo is checked on the phone the moment it is chosen (issue 13, item 5): its EXIF capture time
and GPS (read by exifr) against the inspection's start and place, with the tolerances the server's
flags use (served by GET /api/evidence/flag-rules), and a warning in Chinese and human units.
The JPEGs are made by Pillow with DateTimeOriginal and GPS; the phone is a Pixel 5 at GEO."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.evidence.facts import distance_m

from .conftest import GEO, Phone, make_jpeg
from .overload import item, require_server_features

FAR = (30.52, 119.9586)  # 94 km west of the inspection (GEO)


def shanghai_now() -> datetime:
    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def start_inspection(phone) -> None:
    page = phone.page
    phone.login("officer1")
    page.click("[data-role=new-inspection]")
    page.click("[data-form=overload]")
    page.wait_for_selector(".draft")
    phone.wait_until("() => document.querySelector('[data-role=place]').textContent.includes('30.52000')")


def choose_photo(page, path) -> None:
    scene = item(page, "scene_photos")
    before = scene.locator(".evidence-item").count()
    scene.locator("input[data-role=photo-file]").set_input_files(str(path))
    expect(scene.locator(".evidence-item")).to_have_count(before + 1)


def test_a_photo_far_in_time_and_place_is_warned_at_once(phone, live_server, tmp_path):
    require_server_features(live_server)
    assert round(distance_m(*FAR, GEO["latitude"], GEO["longitude"]) / 1000) == 94
    start_inspection(phone)
    page = phone.page
    scene = item(page, "scene_photos")

    # Taken now, here: no warning, and what the photo itself records is shown.
    choose_photo(page, make_jpeg(tmp_path / "here.jpg"))
    good = scene.locator(".evidence-item").nth(0)
    expect(good.locator("[data-role=exif]")).to_contain_text("照片记录：拍摄于")
    expect(good.locator("[data-role=exif]")).to_contain_text("位置 30.52000, 120.94000")
    expect(good.locator(".evidence-warnings")).to_have_count(0)

    # Taken three days ago, 94 km away, chosen from the gallery now.
    old = make_jpeg(tmp_path / "old.jpg", colour=(20, 120, 60), when=shanghai_now() - timedelta(days=3), gps=FAR)
    choose_photo(page, old)
    warned = scene.locator(".evidence-item").nth(1)
    warnings = warned.locator(".evidence-warnings li")
    expect(warnings).to_have_count(2)
    expect(warnings.nth(0)).to_contain_text("早于本次检查开始 3 天")
    expect(warnings.nth(1)).to_have_text("照片拍摄地点距检查地点 94 公里。")
    expect(page.locator("#toast")).to_contain_text("请核对这张照片")
    expect(page.locator("#toast")).to_contain_text("94 公里")
    expect(warned.locator("[data-role=exif]")).to_contain_text("位置 30.52000, 119.95860")
    phone.screenshot("40-photo-warned", full_page=False)

    # Two hours off the phone's clock but not before the start: the difference is named.
    ahead = make_jpeg(tmp_path / "ahead.jpg", colour=(90, 20, 160), when=shanghai_now() + timedelta(hours=2))
    choose_photo(page, ahead)
    expect(scene.locator(".evidence-item").nth(2).locator(".evidence-warnings li")).to_have_text(
        [re.compile(r"与手机记录的时间相差 2 小时")])

    # What the phone read is kept with the photo (and the warnings come back with the draft).
    blobs = sorted((b for b in phone.idb("blobs") if b["item_id"] == "scene_photos"),
                   key=lambda b: b["exif"]["taken_at"])
    exif = blobs[0]["exif"]
    assert (exif["lat"], round(exif["lon"], 4)) == (30.52, 119.9586)
    taken = datetime.fromisoformat(exif["taken_at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert abs(taken.replace(tzinfo=None) - (shanghai_now() - timedelta(days=3))) < timedelta(minutes=2)
    page.reload()
    expect(item(page, "scene_photos").locator(".evidence-warnings")).to_have_count(2)


@pytest.fixture
def tolerant_server(gunicorn_with):
    """The app under gunicorn with wide tolerances: 200 km and a week."""
    return gunicorn_with(EVIDENCE_PLACE_TOLERANCE_M=200000, EVIDENCE_CLOCK_TOLERANCE_MINUTES=10080)


def test_the_phone_warns_with_the_servers_tolerances(browser, playwright_instance, tolerant_server, tmp_path):
    context = browser.new_context(**playwright_instance.devices["Pixel 5"], locale="zh-CN", timezone_id="Asia/Shanghai",
                                  permissions=["geolocation"], geolocation=GEO)
    try:
        phone = Phone(context, tolerant_server.url)
        require_server_features(tolerant_server)
        start_inspection(phone)
        tolerances = {"clock_tolerance_minutes": 10080, "place_tolerance_m": 200000, "late_minutes": 60}
        assert phone.idb("meta") and tolerances in phone.idb("meta")
        choose_photo(phone.page, make_jpeg(tmp_path / "old.jpg", when=shanghai_now() - timedelta(days=3), gps=FAR))
        expect(item(phone.page, "scene_photos").locator(".evidence-warnings")).to_have_count(0)
        assert phone.errors == []
    finally:
        context.close()
