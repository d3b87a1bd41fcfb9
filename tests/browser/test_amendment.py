"""A returned inspection is corrected on the phone by an amendment: a new revision naming the one it
replaces, with a reason; the evidence the server already holds is carried over, not re-sent."""
from playwright.sync_api import expect

from .overload import fill_overload, item, require_server_features, submit


def return_to_officer(live_server, uuid: str) -> None:
    """The supervisor returns the record with a comment (the review API)."""
    supervisor = live_server.login("supervisor1")
    r = supervisor.post(f"{live_server.url}/api/inspections/{uuid}/review/return",
                        json={"expected_status": "complete", "comment": "请补记当事人陈述。"})
    assert r.status_code == 200, r.text


def test_amend_a_returned_inspection(phone, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    page = phone.page
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/2')")
    fill_overload(phone, tmp_path, subject="浙F77777")
    submit(phone)
    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.length === 1 && sent[0].server.status === 'complete')""", timeout=60)
    [sent] = phone.idb("sent")
    original = sent["uuid"]
    return_to_officer(live_server, original)

    page.goto(f"{live_server.url}/#/inspection/{original}")
    expect(page.locator("[data-role=server-status]")).to_have_text("已退回，需更正")
    expect(page.locator("[data-role=return-comment]")).to_contain_text("请补记当事人陈述。")
    phone.screenshot("17-returned", full_page=False)
    page.click("[data-role=amend]")
    page.wait_for_selector(".draft")
    assert page.inner_text(".screen-title").startswith("更正：")
    assert page.input_value("#f-plate") == "浙F77777"  # the original answers, ready to correct
    page.fill("#f-subject_statement", "当事人补充陈述：货物为钢卷。")
    page.click("[data-role=submit]")
    expect(item(page, "amendment_reason").locator(".item-errors")).to_have_text("更正记录须说明更正理由。")
    page.fill("#amendment-reason", "补记当事人陈述。")
    submit(phone)
    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.length === 2
            && sent.some((s) => s.record.replaces && s.server.result === 'created'))""", timeout=60)

    amendment = next(s for s in phone.idb("sent") if s["uuid"] != original)
    assert amendment["record"]["replaces"] == original
    assert amendment["record"]["amendment_reason"] == "补记当事人陈述。"
    assert {e["uuid"] for e in amendment["record"]["evidence"]} == {e["uuid"] for e in sent["record"]["evidence"]}
    server = live_server.login("officer1")
    held = server.get(f"{live_server.url}/api/inspections/{amendment['uuid']}").json()
    assert held["revision"] == 2 and held["replaces_uuid"] == original
    assert held["answers"]["subject_statement"] == "当事人补充陈述：货物为钢卷。"
    assert held["missing_evidence"] == []  # carried over: nothing uploaded again
