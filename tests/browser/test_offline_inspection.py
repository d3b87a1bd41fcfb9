"""Scenario 1 of the PWA issue: log in, go offline, reload — the app opens; fill the overload form
(a computed 超限率 appears), attach photos, record audio if the form has an audio item, sign, submit;
close the page; reopen offline — the inspection is in the outbox; go online — it syncs by itself;
the server holds the record and the files with the hashes the browser computed."""
import hashlib
import time
import uuid

from playwright.sync_api import expect

from .overload import fill_overload, require_server_features, submit


def test_offline_inspection_syncs_when_online(phone, live_server, tmp_path):
    require_server_features(live_server, uploads=True)  # the files go by tus
    began_ms = int(time.time() * 1000)
    page = phone.page
    phone.login("officer1")
    phone.wait_for_service_worker()
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/2')")

    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector(".home")
    files = fill_overload(phone, tmp_path)
    phone.screenshot("10-overload-filled")
    submit(phone)
    expect(page.locator("#outbox-count")).to_have_text("1")
    phone.screenshot("11-home-offline-queued")

    # The page closes (the officer switches apps, the phone sleeps); reopened with no network.
    page.close()
    phone.page = phone.new_page()
    phone.open("#/outbox")
    page = phone.page
    page.wait_for_selector(".outbox-entry[data-state=pending]")
    [entry] = phone.idb("outbox")
    record = entry["record"]
    blobs = {b["uuid"]: b for b in phone.idb("blobs")}
    assert set(blobs) == {e["uuid"] for e in record["evidence"]}
    # Time-ordered UUIDs (version 7, static/pwa/js/dom.js): made during this test, by the phone's clock.
    for made in [record["uuid"], *blobs]:
        made = uuid.UUID(made)
        assert made.version == 7 and made.variant == uuid.RFC_4122, made
        assert began_ms <= made.int >> 80 <= int(time.time() * 1000), made
    phone.screenshot("12-outbox-offline")

    phone.context.set_offline(False)  # the `online` event drains the outbox
    page.wait_for_selector(".outbox-entry", state="detached", timeout=30000)
    assert phone.idb("outbox") == []
    [sent] = phone.idb("sent")
    assert sent["uuid"] == record["uuid"] and sent["server"]["result"] == "created"

    server = live_server.login("officer1")
    held = server.get(f"{live_server.url}/api/inspections/{record['uuid']}").json()
    assert held["form_id"] == "overload" and held["form_version"] == 2  # the current version
    assert [o["username"] for o in held["officers"]] == ["officer1", "officer2"]
    assert held["computed"]["excess_rate"] == 12.5
    assert held["answers"]["within_limit"]["result"] == "fail"
    expected = {e["uuid"]: e["sha256"] for e in record["evidence"]}
    assert {e["uuid"]: e["sha256"] for e in held["evidence"]} == expected
    on_disk = {hashlib.sha256(f.read_bytes()).hexdigest() for group in files.values() for f in group}
    assert on_disk <= set(expected.values())  # the browser's SHA-256 of each photo is the file's

    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.every((s) => !(s.server.missing_evidence || []).length))""", timeout=60)
    held = server.get(f"{live_server.url}/api/inspections/{record['uuid']}").json()
    assert held["status"] == "complete" and held["missing_evidence"] == []
    assert all(e["received_at"] for e in held["evidence"])
    page.goto(f"{live_server.url}/#/inspection/{record['uuid']}")
    expect(page.locator("[data-role=server-status]")).to_have_text("已接收，证据齐全")
    phone.screenshot("13-inspection-complete")
