"""简易程序 on the phone, offline: from an inspection's 不符合 item the officer picks the violation,
the calculator proposes the penalty, the phone refuses a fine above 第五十一条's limit for a
citizen, the party and both officers sign on the screen, and the 当场行政处罚决定书 shows the
number from the phone's block. Back online the decision syncs once (a replay is a duplicate); the
server holds a confirmed `simple` disposition and the numbered document, which the sealer seals."""
from __future__ import annotations

import time

import sqlalchemy as sa

from server.cases.models import Disposition
from server.documents.models import Document
from server.extensions import db
from server.simple.models import NumberBlock, SimpleDecision
from tests.browser.records_api import sync_and_upload
from tests.documents.conftest import demo_seal  # noqa: F401 - the fixture
from tests.review.conftest import failing_overload_record


def _sign(page, role):
    page.click(f"[data-role={role}]")
    box = page.locator(".signature-canvas").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 80)
    page.mouse.down()
    for step in range(1, 10):
        page.mouse.move(box["x"] + 40 + step * 25, box["y"] + 80 + (step % 2) * 40)
    page.mouse.up()
    page.click("[data-role=signature-done]")


def _wait_sent(phone, live_server):
    try:
        phone.wait_until("""async () => {
            const { createStore, openStore } = await import('/js/db.js');
            const entries = await createStore(await openStore()).listDecisions();
            return entries.length === 1 && entries[0].state === 'sent';
        }""", timeout=60)
    except AssertionError:
        held = [{k: v for k, v in e.items() if k != "decision"} for e in phone.idb("decisions")]
        answer = phone.page.evaluate("""async () => {
            const { createStore, openStore } = await import('/js/db.js');
            const [entry] = await createStore(await openStore()).listDecisions();
            const me = await fetch('/api/me').then((r) => r.json());
            const r = await fetch('/api/simple-decisions/sync', { method: 'POST', headers: {
                'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
                body: JSON.stringify({ decisions: [entry.decision] }) });
            return [r.status, await r.text(), navigator.onLine];
        }""")
        log = live_server.log.read_text(errors="replace")[-3000:]
        raise AssertionError(f"not synced: {held}; by hand: {answer}; server: {log}") from None


def _fresh(query):
    """What gunicorn committed, read in a transaction that ends at once (an open one here would
    hold the SQLite writer's turn and lock the server out)."""
    db.session.rollback()
    rows = db.session.execute(query).scalars().all()
    db.session.expunge_all()
    db.session.rollback()
    return rows


def test_an_offline_decision_with_signatures_syncs_once_as_disposition_and_document(
        phone, live_server, demo_seal):  # noqa: F811
    record = sync_and_upload(live_server, "officer1", failing_overload_record(plate="浙F50001"))
    phone.login("officer1")
    blocks = phone.wait_until("""async () => {
        const { createStore, openStore } = await import('/js/db.js');
        const store = createStore(await openStore());
        const blocks = await store.listBlocks();
        return blocks.length && await store.getMeta('discretion') && await store.getRecord(%r) ? blocks : null;
    }""" % record["uuid"])
    assert blocks[0]["first_serial"] == 1 and blocks[0]["last_serial"] == 20
    assert [b.device_id for b in _fresh(sa.select(NumberBlock))] == [blocks[0]["device_id"]]

    phone.context.set_offline(True)
    page = phone.page
    page.goto(f"{live_server.url}/#/simple/new/{record['uuid']}/within_limit")
    page.wait_for_selector("[data-role=simple-form]")
    assert page.input_value("[data-role=violation]") == "overload.gross_mass"  # from the form's item
    page.fill("[data-fact=excess_mass]", "2250")
    page.select_option("[data-role=party-kind]", "citizen")
    page.select_option("[data-role=co-officer]", "officer2")
    page.click("[data-role=calculate]")
    assert "罚款 1000 元" in page.inner_text("[data-role=proposal]")
    page.click("[data-role=issue]")  # a citizen fined 1,000 yuan on the spot: refused
    refusal = page.inner_text("[data-role=refusal]")
    assert "不适用简易程序" in refusal and "200 元" in refusal, refusal
    page.select_option("[data-role=party-kind]", "organisation")
    assert page.input_value("[data-role=amount]") == "1000"
    page.fill("[data-role=amount]", "1500")  # outside the benchmark: refused too
    page.click("[data-role=issue]")
    assert "超出裁量基准" in page.inner_text("[data-role=refusal]")
    page.fill("[data-role=amount]", "1000")
    page.fill("[data-role=party-name]", "海盐某某物流有限公司")
    page.fill("[data-role=place]", "G320 国道海盐检测站")
    for role in ("sign-party", "sign-me", "sign-colleague"):
        _sign(page, role)
    page.wait_for_selector("[data-role=signatures] li[data-signer=officer2]")
    page.click("[data-role=issue]")
    page.wait_for_selector("[data-role=simple-document]")
    number = page.inner_text("[data-role=document-number]")
    assert number.endswith(f"〔{blocks[0]['year']}〕第 1 号"), number
    assert "罚款人民币 1000 元" in page.inner_text("[data-role=penalty]")
    assert page.locator(".signature-image").count() == 3
    phone.screenshot("simple-procedure-offline-document")
    assert _fresh(sa.select(SimpleDecision)) == []  # offline: nothing reached the server

    phone.context.set_offline(False)  # the `online` event drains the outbox
    _wait_sent(phone, live_server)
    [decision] = _fresh(sa.select(SimpleDecision))
    [document] = _fresh(sa.select(Document).where(Document.id == decision.document_id))
    assert document.number == number and document.doc_type == "onsite_penalty_decision"
    assert document.subject_id == record["uuid"] and document.party == "海盐某某物流有限公司"
    [disposition] = _fresh(sa.select(Disposition))
    assert (disposition.kind, disposition.status, disposition.penalty_fen) == ("simple", "confirmed", 100000)
    assert (disposition.inspection_uuid, disposition.item_id) == (decision.inspection_uuid, "within_limit")
    assert decision.device_clock_offset_ms is not None and decision.decided_at < decision.received_at

    # The answer lost, the phone sends again: a duplicate, not a second decision.
    replay = page.evaluate("""async () => {
        const { createStore, openStore } = await import('/js/db.js');
        const [entry] = await createStore(await openStore()).listDecisions();
        const me = await fetch('/api/me').then((r) => r.json());
        const answer = await fetch('/api/simple-decisions/sync', { method: 'POST', headers: {
            'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: JSON.stringify({ decisions: [entry.decision] }) }).then((r) => r.json());
        return answer.results[0];
    }""")
    assert (replay["result"], replay["number"]) == ("duplicate", number)
    assert len(_fresh(sa.select(SimpleDecision))) == 1 and len(_fresh(sa.select(Document))) == 1
    deadline = time.monotonic() + 120
    while _fresh(sa.select(Document.state))[0] != "signed" and time.monotonic() < deadline:
        time.sleep(1)
    assert _fresh(sa.select(Document.state)) == ["signed"]
    page.reload()
    page.wait_for_selector("[data-role=simple-document][data-state=sent]")
