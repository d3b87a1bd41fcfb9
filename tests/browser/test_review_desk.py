"""The review loop in real browsers: a supervisor at a desk opens the queue, opens an inspection
with photos and an audio statement, plays the audio, returns it with comments; the officer sees
them on the phone and amends; the amendment is marked a major decision and sent to legal review;
the legal reviewer (on a tablet) agrees after the statutory checklist; the supervisor approves.
Every step is visible in the trail. The test form (data/review-forms/) has an audio item."""
from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from server.extensions import db
from tests.conftest import start_gunicorn, stop_gunicorn
from tests.factories import SHANGHAI, evidence_entry, sync_body
from tests.review.conftest import _b64, give_evidence_bytes

from .conftest import PASSWORD, SCREENSHOTS

ROOT = Path(__file__).resolve().parent.parent.parent
DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def live_server(app, personas, database_url, storage_dir, tmp_path):
    """gunicorn serving forms/ plus the test form with an audio item."""
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    shutil.copy(Path(__file__).parent / "data" / "review-forms" / "roadside-v1.yaml", forms)
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log",
                            extra_env={"FIELDCASE_FORMS_DIR": str(forms)})
    yield server
    stop_gunicorn(server)


def roadside_record(plate: str) -> dict:
    """officer1 (with officer2): a failed roadside check with two photos, an audio statement and
    a signature."""
    started = datetime.now(SHANGHAI) - timedelta(minutes=40)
    ev = {"scene": [evidence_entry("scene_photos", captured_at=started + timedelta(minutes=m)) for m in (2, 3)],
          "audio": evidence_entry("statement_audio", "audio/wav", captured_at=started + timedelta(minutes=8)),
          "check": evidence_entry("within_limit.photos", captured_at=started + timedelta(minutes=10)),
          "sign": evidence_entry("officer1_signature", "image/png", captured_at=started + timedelta(minutes=15))}
    return {
        "uuid": str(uuid.uuid4()), "form_id": "roadside", "form_version": 1, "officers": ["officer1", "officer2"],
        "subject": {"kind": "vehicle", "name": plate, "code": None, "description": "重型半挂牵引车"},
        "place": {"latitude": 30.5257, "longitude": 120.9431, "accuracy_m": 6, "address": "海盐县 01 省道 K12 治超点"},
        "started_at": started.isoformat(), "finished_at": (started + timedelta(minutes=20)).isoformat(),
        "answers": {"plate": plate, "scene_photos": [e["uuid"] for e in ev["scene"]],
                    "statement_audio": [ev["audio"]["uuid"]],
                    "within_limit": {"result": "fail", "note": "车货总质量 52300 千克，超限 3300 千克。",
                                     "photos": [ev["check"]["uuid"]]},
                    "officer1_signature": ev["sign"]["uuid"]},
        "evidence": [*ev["scene"], ev["audio"], ev["check"], ev["sign"]],
        "device_id": "phone-review-test", "app_version": "0.2.0"}


def send_record(live_server, record: dict, misplaced=()) -> dict:
    """officer1 syncs the record, then uploads by tus each file the server asks for (an amendment's
    carried-over files are not sent again); returns the sync result."""
    contents = give_evidence_bytes(record, misplaced)
    session = live_server.login("officer1")
    answer = session.post(live_server.url + "/api/sync", json=sync_body(record)).json()
    assert answer["results"][0]["result"] == "created", answer
    for entry in record["evidence"]:
        if entry["uuid"] not in answer["results"][0]["missing_evidence"]:
            continue
        created = session.post(live_server.url + "/api/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(entry["size"]),
            "Upload-Metadata": f"inspection_uuid {_b64(record['uuid'])},evidence_uuid {_b64(entry['uuid'])},"
                               f"sha256 {_b64(entry['sha256'])}"})
        assert created.status_code == 201, created.text
        sent = session.patch(urljoin(live_server.url, created.headers["Location"]), data=contents[entry["uuid"]],
                             headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                                      "Content-Type": "application/offset+octet-stream"})
        assert sent.status_code == 204, sent.text
    return answer["results"][0]


def submit_roadside(live_server, plate: str) -> str:
    """A roadside record synced with every file uploaded; returns its UUID."""
    record = roadside_record(plate)
    send_record(live_server, record)
    return record["uuid"]


def until(page, expression: str, timeout: float = 15.0):
    """Poll a JS expression until truthy (wait_for_function evaluates strings, which the CSP forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => {expression}"):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {expression}")
        page.wait_for_timeout(100)


class Desk:
    """A reviewer's browser (desk or tablet) on the review pages."""

    def __init__(self, browser, base_url, viewport, errors):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.page.set_default_timeout(45000)  # the desk page loads the trail; slow on a loaded machine
        self.page.on("pageerror", lambda error: errors.append(str(error)))
        self.base_url = base_url

    def login(self, username):
        self.page.goto(self.base_url + "/review/")
        self.page.wait_for_selector("body[data-ready=true]")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("form.login button[type=submit]")
        self.page.wait_for_selector("table.queue")

    def open(self, plate):
        self.page.click(f"table.queue a.row-link:text('{plate}')")
        self.page.wait_for_selector(".inspection-page")

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def status(self):
        return self.page.locator("h1 .status")


def test_review_loop_in_the_browser(browser, make_phone, live_server):
    errors: list[str] = []
    first = submit_roadside(live_server, "浙F9Z001")

    # The supervisor at a desk: the queue, the inspection, the audio played and sought, a photo.
    supervisor = Desk(browser, live_server.url, DESK, errors)
    supervisor.login("supervisor1")
    page = supervisor.page
    expect(page.locator(".counts button[data-status=complete]")).to_have_text("待审核 1")
    supervisor.shot("review-01-queue")
    supervisor.open("浙F9Z001")
    assert page.locator("[data-role=items] .item").first.get_attribute("data-item") == "within_limit"  # failed first
    expect(page.locator(".item[data-item=within_limit] .basis")).to_contain_text("《公路安全保护条例》第六十四条")
    audio = page.locator("[data-role=audio-player]")
    audio.evaluate("a => a.play()")
    until(page, "document.querySelector('[data-role=audio-player]').currentTime > 0.3")
    audio.evaluate("a => { a.pause(); a.currentTime = 2.0; }")
    until(page, "Math.abs(document.querySelector('[data-role=audio-player]').currentTime - 2.0) < 0.2")
    page.locator(".item[data-item=scene_photos] .thumb").first.click()
    expect(page.locator("dialog.preview img")).to_be_visible()
    until(page, "document.querySelector('dialog.preview img').naturalWidth > 0")
    supervisor.shot("review-02-photo-preview")
    page.click("dialog.preview button")
    expect(page.locator("[data-role=plot] svg circle")).to_have_count(3)  # the three photos with GPS
    supervisor.shot("review-03-inspection")

    # Returned with a comment overall and one on the scene photos.
    page.locator(".item[data-item=scene_photos] details summary").click()
    page.fill("[data-item-comment=scene_photos]", "现场照片未拍到车牌，请补拍。")
    page.fill("#return-comment", "请补拍现场照片后重新提交。")
    page.click("form[data-action=return] button[type=submit]")
    expect(supervisor.status()).to_have_text("已退回")
    expect(page.locator("[data-role=trail] li[data-action='review.return']")).to_be_visible()

    # The officer's phone: the comment, then an amendment (evidence carried over).
    phone = make_phone()
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'roadside/1')")
    phone.page.goto(f"{live_server.url}/#/inspection/{first}")
    comment = phone.page.locator("[data-role=return-comment]")
    expect(comment).to_contain_text("请补拍现场照片后重新提交。")
    expect(comment.locator("li[data-item=scene_photos]")).to_have_text("现场照片：现场照片未拍到车牌，请补拍。")
    phone.screenshot("review-04-officer-sees-comment", full_page=False)
    phone.page.click("[data-role=amend]")
    phone.page.wait_for_selector(".draft")
    phone.page.fill("#amendment-reason", "已补充说明：车牌见第二张现场照片。")
    phone.page.click("[data-role=submit]")
    phone.page.wait_for_selector(".home")
    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.some((s) => s.record.replaces && s.server.result === 'created'))""", timeout=60)

    # The supervisor opens the amendment and sends it to legal review as a major decision.
    page.goto(live_server.url + "/review/#/")
    page.wait_for_selector("table.queue")
    supervisor.open("浙F9Z001")
    expect(page.locator("h1")).to_contain_text("路检路查")
    assert "第 2 版" in page.inner_text(".facts")
    page.fill("#legal-reason", "拟处罚款 1500 元，属重大执法决定。")
    page.click("form[data-action=legal-review] button[type=submit]")
    expect(supervisor.status()).to_have_text("法制审核中")
    expect(page.locator("form[data-action=approve]")).to_have_count(0)  # not before the opinion

    # The legal reviewer on a tablet: checklist, 同意.
    reviewer = Desk(browser, live_server.url, TABLET, errors)
    reviewer.login("reviewer1")
    expect(reviewer.page.locator(".counts button[data-status=in_review]")).to_have_text("法制审核中 1")
    reviewer.open("浙F9Z001")
    rp = reviewer.page
    expect(rp.locator("[data-role=legal-review] .deadline")).to_be_visible()
    for box in rp.locator("form[data-action=legal-opinion] .checklist input").all():
        box.check()
    rp.check("form[data-action=legal-opinion] input[name=opinion][value=agree]")
    rp.fill("#opinion-comment", "事实清楚，证据确凿，程序合法，同意。")
    reviewer.shot("review-05-legal-review-tablet")
    rp.click("form[data-action=legal-opinion] button[type=submit]")
    expect(rp.locator("[data-role=legal-opinion]")).to_have_text("同意")

    # The supervisor approves; the whole story is in the trail.
    page.reload()
    page.wait_for_selector("form[data-action=approve]")
    page.click("form[data-action=approve] button[type=submit]")
    expect(supervisor.status()).to_have_text("已通过")
    trail = page.locator("[data-role=trail][data-source=trail]")  # the case-file trail, with proofs
    for summary in trail.locator("li.file-group > details > summary").all():  # each file's entries
        summary.click()
    for action in ("inspection.submitted", "evidence.received", "review.return", "review.send_to_legal_review",
                   "review.legal_opinion", "review.approve", "evidence.original_downloaded"):
        expect(trail.locator(f"li[data-action='{action}']").first).to_be_visible()
    supervisor.shot("review-06-approved-trail")
    for desk in (supervisor, reviewer):
        desk.context.close()
    assert errors == [], errors


def test_a_slow_queue_never_replaces_the_inspection_opened_after_it(browser, live_server):
    """Navigation awaits the network: a queue still loading when the reviewer opens an inspection
    must not land afterwards and take the inspection off the screen (it did, after a login, whose
    two renders of the queue raced a quick click)."""
    errors: list[str] = []
    inspection = submit_roadside(live_server, "浙F9Z002")
    supervisor = Desk(browser, live_server.url, DESK, errors)
    supervisor.login("supervisor1")
    page = supervisor.page
    supervisor.open("浙F9Z002")
    held = []
    page.route("**/api/review/queue?*", lambda route: held.append(route))  # the queue's answer waits until released

    page.evaluate("document.querySelector('.inspection-page').dataset.earlier = 'yes'")
    page.evaluate("location.hash = '#/'")  # back to the queue: its render now waits on the network
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)  # lets Playwright dispatch the route handler
    assert held, "the queue never asked for its list"
    page.evaluate(f"location.hash = '#/inspection/{inspection}'")  # and on to the inspection again
    page.wait_for_selector(".inspection-page:not([data-earlier])")  # rendered anew while the queue waits
    for route in held:
        route.continue_()
    page.wait_for_timeout(1000)  # the queue's answer has landed and been dropped
    expect(page.locator(".inspection-page:not([data-earlier])")).to_be_visible()
    expect(page.locator("table.queue")).to_have_count(0)
    supervisor.context.close()
    assert errors == [], errors
