"""The general procedure at the cases desk in Chromium: a 不符合 finding of an approved inspection
is disposed of as 立案; the supervisor approves the opening, records the interview, notifies
(15,000 yuan: a hearing right and a major decision), records the party's statement and sends the
case to legal review; the legal reviewer agrees on a tablet; the supervisor decides, records the
service and the bank's payment notice, and closes the case. Each deadline is shown with its date.
Each step issued its numbered document (the correction its 责令改正通知书); the sealer of the
gunicorn workers seals them while nobody waits; each sealed PDF verifies with pyHanko trusting
the demo CA, and the closed case's archive package verifies offline (`python -m server.verify_case`)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import sqlalchemy as sa
from playwright.sync_api import expect

from server.clock import local_today
from server.database import write_intent
from server.documents.models import Document
from server.documents.sealing import validate_sealed
from server.extensions import db
from tests.casefile.test_verify_case import run_bare
from tests.cases.conftest import overloaded_record
from tests.documents.conftest import demo_seal  # noqa: F401 (fixture: the demo CA in the server's storage)
from tests.factories import sync_body
from tests.review.conftest import _b64, give_evidence_bytes

from .conftest import PASSWORD, SCREENSHOTS

DESK = {"width": 1440, "height": 900}


def approved_record(live_server, plate: str) -> str:
    """officer1 syncs a failing overload record with every file; supervisor1 approves it."""
    record = overloaded_record(plate=plate)
    contents = give_evidence_bytes(record)
    officer = live_server.login("officer1")
    answer = officer.post(live_server.url + "/api/sync", json=sync_body(record)).json()
    assert answer["results"][0]["result"] == "created", answer
    for entry in record["evidence"]:
        created = officer.post(live_server.url + "/api/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(entry["size"]),
            "Upload-Metadata": f"inspection_uuid {_b64(record['uuid'])},evidence_uuid {_b64(entry['uuid'])},"
                               f"sha256 {_b64(entry['sha256'])}"})
        assert created.status_code == 201, created.text
        sent = officer.patch(urljoin(live_server.url, created.headers["Location"]), data=contents[entry["uuid"]],
                             headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                                      "Content-Type": "application/offset+octet-stream"})
        assert sent.status_code == 204, sent.text
    approved = live_server.login("supervisor1").post(
        f"{live_server.url}/api/inspections/{record['uuid']}/review/approve", json={"expected_status": "complete"})
    assert approved.status_code == 200, approved.text
    return record["uuid"]


class Desk:
    def __init__(self, browser, base_url, errors):
        self.context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.page.set_default_timeout(45000)
        self.page.on("pageerror", lambda error: errors.append(str(error)))
        self.base_url = base_url

    def login(self, username):
        self.page.goto(self.base_url + "/cases/")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("form.login button[type=submit]")

    def step(self, action, **fields):
        """Fill the form of `action` and submit it; waits until the case has that step."""
        form = self.page.locator(f"form.step[data-action={action}]")
        expect(form).to_be_visible()
        before = self.page.locator("ol.steps li").count()
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if isinstance(value, bool):
                field.set_checked(value)
            elif field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        form.locator("button[type=submit]").click()
        # Generous: the workers seal the documents of earlier steps meanwhile (WeasyPrint, pyHanko).
        expect(self.page.locator("ol.steps li")).to_have_count(before + 1, timeout=45000)

    def due(self, key):
        return self.page.locator(f"table.deadlines tr[data-key={key}] .due")

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sealed_and_archived(page, base_url: str, case_id: str, timeout: float = 180) -> dict:
    """The case once every document is sealed and its archive built, by the gunicorn workers'
    sealers (woken by each issue) and the archiving that follows a pass."""
    deadline = time.monotonic() + timeout
    while True:
        case = page.request.get(f"{base_url}/api/cases/{case_id}").json()
        if all(d["state"] != "pending" for d in case["documents"]) and case["archive"]["state"] == "archived":
            return case
        assert time.monotonic() < deadline, [(d["number"], d["state"]) for d in case["documents"]]
        time.sleep(1)


def test_a_finding_to_a_closed_case_at_the_desk(browser, live_server, demo_seal, tmp_path):  # noqa: F811
    errors: list[str] = []
    approved_record(live_server, "浙F7C001")
    approved_record(live_server, "浙F7C002")
    supervisor = Desk(browser, live_server.url, errors)
    supervisor.login("supervisor1")
    page = supervisor.page
    expect(page.locator("table.findings td.age")).to_have_text(["0 天", "0 天"])
    supervisor.shot("cases-01-pending-findings")
    # The second truck: 责令改正 with a deadline, which leaves a follow-up inspection task.
    second = page.locator("table.findings tr", has_text="浙F7C002")
    second.locator("select[name=kind]").select_option("correction")
    second.locator("input[name=correction_due]").fill("2199-01-01")
    second.locator("button[type=submit]").click()
    expect(page.locator("table.findings td.age")).to_have_count(1)
    tasks = page.request.get(live_server.url + "/api/follow-up-tasks").json()
    assert [(t["subject_name"], t["due_on"]) for t in tasks] == [("浙F7C002", "2199-01-01")]
    # The first: 立案.
    page.locator("form.dispose select[name=kind]").select_option("case")
    page.click("form.dispose button[type=submit]")
    expect(page.locator("table.findings td.age")).to_have_count(0)
    page.click("ul.cases a")
    expect(page.locator("#case-status")).to_have_text("立案审批中")

    supervisor.step("approve_opening", on="2026-09-01")
    expect(supervisor.due("decision")).to_have_text("2026-11-30")
    supervisor.step("add_interview", on="2026-09-03", interviewee="赵师傅", relation="驾驶员",
                    place="海盐超限检测站询问室", summary="问：车上装的什么？\n答：钢材，承认车辆超限运输。")
    supervisor.step("notify", on="2026-09-10", proposed_fine_fen="15000", facts="车货总质量超过限定标准 2250 千克",
                    reason_outside_benchmark="一年内第三次超限运输")
    expect(page.locator("details.discretion summary")).to_contain_text("超出裁量基准")
    expect(page.locator("details.discretion")).to_contain_text("500 元 × 2 = 1000 元")
    expect(supervisor.due("statement")).to_have_text("2026-09-15")
    expect(supervisor.due("hearing_request")).to_have_text("2026-09-17")
    supervisor.step("record_statement", on="2026-09-11", statement="称不知道限重标准，请求从轻。")
    supervisor.step("send_to_legal_review", on="2026-09-14", reason="较大数额罚款")
    expect(page.locator("#case-status")).to_have_text("法制审核中")
    case_url = page.url

    reviewer = Desk(browser, live_server.url, errors)
    reviewer.login("reviewer1")
    reviewer.page.goto(case_url)
    reviewer.step("legal_opinion", on="2026-09-22", opinion="agree", comment="事实清楚，程序合法。")
    expect(reviewer.page.locator("#case-status")).to_have_text("法制审核通过")

    page.reload()
    supervisor.step("decide", on="2026-09-24", fine_fen="15000", party_present=False,
                    reasoning="依据《公路安全保护条例》第六十四条",
                    statement_assessment="当事人系职业驾驶员，应知限载标准，所称不知不予采纳。")
    expect(supervisor.due("service")).to_have_text("2026-10-12")  # 7 working days across 国庆, 调休 10-10
    supervisor.step("serve", on="2026-09-28", method="mail", recipient="赵师傅", place="海盐县武原街道某路 1 号",
                    receipt="2026-09-30 签收")
    expect(supervisor.due("payment")).to_have_text("2026-10-13")
    supervisor.step("record_payment", amount_fen="15000", reference="ICBC-20261009-0001", paid_on="2026-10-09")
    supervisor.step("close", on="2026-10-12", summary="罚款已缴清。")
    expect(page.locator("#case-status")).to_have_text("已结案")
    expect(page.locator("#case-money")).to_contain_text("尚欠 0.00 元")
    expect(page.locator("table.deadlines tr.done")).to_have_count(5)
    supervisor.shot("cases-02-closed-case")

    # Every document of the walk was issued with its step, each type numbered from 1 this year.
    year = local_today().year
    case = sealed_and_archived(page, live_server.url, page.url.rsplit("/", 1)[1])
    assert [(d["title"], d["number"], d["state_label"]) for d in case["documents"]] == [
        ("立案审批表", f"海盐交立〔{year}〕第 1 号", "已签章"),
        ("询问笔录", f"海盐交询〔{year}〕第 1 号", "已签章"),
        ("行政处罚事先告知书", f"海盐交罚告〔{year}〕第 1 号", "已签章"),
        ("行政处罚决定书", f"海盐交罚〔{year}〕第 1 号", "已签章"),
        ("送达回证", f"海盐交送〔{year}〕第 1 号", "已签章"),
        ("结案审批表", f"海盐交结〔{year}〕第 1 号", "已签章")]
    db.session.remove()
    with write_intent(False):  # a reader: the server's writers must not wait for this test
        notice = db.session.execute(sa.select(Document).where(Document.doc_type == "rectification_notice")).scalar_one()
        db.session.remove()
    assert (notice.number, notice.party, notice.fields["deadline"]) == (
        f"海盐交责改〔{year}〕第 1 号", "浙F7C002", "2199-01-01")

    page.reload()
    expect(page.locator("table.issued-documents td.state")).to_have_text(["已签章"] * 6)
    expect(page.locator("#case-archive")).to_contain_text("已归档")
    supervisor.shot("cases-03-sealed-documents")
    pdfs = []
    for link in page.locator("table.issued-documents a").all():
        pdf = page.request.get(live_server.url + link.get_attribute("href"))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
        pdfs.append(pdf.body())
    # pyHanko's validator runs its own event loop: not in this thread, where Playwright's runs.
    with ThreadPoolExecutor(1) as pool:
        checks = list(pool.map(lambda pdf: validate_sealed(pdf, [demo_seal]), pdfs))
    assert len(checks) == 6
    for check in checks:
        assert (check.ok, check.trusted, check.coverage) == (True, True, "ENTIRE_FILE"), check.summary
    package = page.request.get(live_server.url + page.locator("#case-archive a").get_attribute("href"))
    assert package.status == 200
    path = tmp_path / "archive.zip"
    path.write_bytes(package.body())
    verified = run_bare(path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "documents: 6 numbered as issued, 6 sealed files match" in verified.stdout
    assert errors == []
