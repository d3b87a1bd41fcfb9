"""Filling the bureau's real overload form (its current version, forms/overload-v2.yaml) on the phone,
as an officer would: an overloaded two-axle truck (20250 kg against 18000 kg: 超限率 12.50 %, which
decides 不符合), unloaded on the spot."""
from __future__ import annotations

import hashlib
from pathlib import Path

import requests
from playwright.sync_api import expect

from .conftest import make_jpeg


def has_tus(live_server) -> bool:
    """True when the server speaks tus at /api/uploads (its OPTIONS answer names the version)."""
    return "Tus-Resumable" in requests.options(live_server.url + "/api/uploads").headers


def require_server_features(live_server, *, uploads: bool = False) -> None:
    """Fail, naming the endpoint, when one that the scenario relies on before the phone opens
    misbehaves: login, the overload form listed and served, and (`uploads`) tus at /api/uploads.
    A broken endpoint is a failure to see here, never a reason to skip the browser test."""
    s = live_server.login("officer1")
    forms = s.get(live_server.url + "/api/forms")
    assert forms.status_code == 200, f"GET /api/forms answers {forms.status_code}: {forms.text[:500]}"
    assert any(f["id"] == "overload" for f in forms.json()), f"no overload form in {forms.json()}"
    one = s.get(live_server.url + "/api/forms/overload/1")
    assert one.status_code == 200, f"GET /api/forms/overload/1 answers {one.status_code}: {one.text[:500]}"
    if uploads:
        assert has_tus(live_server), "OPTIONS /api/uploads answers without Tus-Resumable"


def item(page, path):
    return page.locator(f'.item[data-path="{path}"]')


def attach_photos(page, path, files, through="photo-file"):
    block = item(page, path)
    block.locator(f"input[data-role={through}]").first.set_input_files([str(f) for f in files])
    for f in files:
        digest = hashlib.sha256(Path(f).read_bytes()).hexdigest()
        block.locator(f'.evidence-item[data-sha256="{digest}"]').wait_for()


def sign(page, path):
    item(page, path).locator("[data-role=sign]").click()
    box = page.locator(".signature-canvas").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 80)
    page.mouse.down()
    for step in range(1, 10):
        page.mouse.move(box["x"] + 40 + step * 28, box["y"] + 80 + (step % 2) * 40)
    page.mouse.up()
    page.click("[data-role=signature-done]")
    item(page, path).locator(".signature-image").wait_for()


def choose(page, name, value):
    page.check(f'input[name="{name}"][value="{value}"]')


def start_overload_inspection(phone, subject="浙F12345"):
    page = phone.page
    page.click("[data-role=new-inspection]")
    page.click("[data-form=overload]")
    page.wait_for_selector(".draft")
    page.check("[data-role=co-officers] input[value=officer2]")
    page.fill("#subject-name", subject)
    page.fill("#place-address", "沪杭高速海盐收费站治超点")


def fill_overload(phone, tmp_path: Path, *, subject="浙F12345", video: Path | None = None,
                  photos: bool = True, started: bool = False) -> dict:
    """Fill every required answer; returns the files attached, by item. `started`: the draft is
    open already, officers and subject filled in (a task's), only the place is left."""
    page = phone.page
    if started:
        page.fill("#place-address", "沪杭高速海盐收费站治超点")
    else:
        start_overload_inspection(phone, subject)
    files = {name: [make_jpeg(tmp_path / f"{subject}-{name}-{i}.jpg", colour=(30 * i + 20, 60 + len(name) * 3, 150))
                    for i in range(count)]
             for name, count in (("scene_photos", 1), ("vehicle_photos", 2), ("weighing_ticket", 1),
                                 ("within_limit", 1), ("disposal_photos", 1))}
    choose(page, "identity_shown", "yes")
    page.fill("#f-persons_present", "驾驶员王某，电话 13800000000")
    if video:
        choose(page, "recording", "body_camera")
        attach_photos(page, "recording_clips", [video], through="video-file")
        files["recording_clips"] = [video]
    else:
        choose(page, "recording", "phone")
    attach_photos(page, "scene_photos", files["scene_photos"])
    page.fill("#f-plate", subject)
    attach_photos(page, "vehicle_photos", files["vehicle_photos"])
    page.fill("#f-driver_name", "王某")
    page.fill("#f-driver_licence", "330424198001011234")
    page.fill("#f-owner", "海盐某某物流有限公司")
    page.fill("#f-cargo", "钢材")
    choose(page, "permit_held", "no")
    choose(page, "vehicle_type", "truck_2")
    add_row = item(page, "axles").locator("[data-role=add-row]")
    for index, mass in enumerate(("9000", "11250")):
        if not page.locator(f'[id="f-axles[{index}].axle_mass"]').count():  # a repeat starts with its minimum rows
            add_row.click()
        choose(page, f"axles[{index}].axle_group", "single_dual_tyre")
        page.fill(f'[id="f-axles[{index}].axle_mass"]', mass)
    page.fill("#f-measured_mass", "20250")
    expect(item(page, "excess_rate").locator("output")).to_have_text("12.50 %")
    attach_photos(page, "weighing_ticket", files["weighing_ticket"])
    check = item(page, "within_limit")
    check.locator("[data-result=fail]").click()
    check.locator("textarea").fill("车货总质量 20250 千克，超过限值 2250 千克。")
    attach_photos(page, "within_limit", files["within_limit"])
    choose(page, "disposal_method", "unload")
    page.fill("#f-unloaded_mass", "2300")
    page.fill("#f-reweighed_mass", "17950")
    attach_photos(page, "disposal_photos", files["disposal_photos"])
    choose(page, "vehicle_detained", "no")
    choose(page, "rights_informed", "yes")
    page.fill("#f-subject_statement", "无异议。")
    choose(page, "subject_signs", "signed")
    for path in ("subject_signature", "officer1_signature", "officer2_signature"):
        sign(page, path)
    return files


def submit(phone):
    page = phone.page
    page.click("[data-role=submit]")
    page.wait_for_selector(".home")
