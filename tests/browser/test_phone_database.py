"""The phone's database (static/pwa/js/db.js) upgrades by migrations, one per version, run in order
from the version the phone last ran: a phone full of drafts, queued records and evidence files from
the previous version of the app loses nothing when it opens the new one, and ends up with the same
stores and indexes as a phone that starts fresh."""
from __future__ import annotations

import json

from playwright.sync_api import expect

DRAFT, QUEUED, REJECTED = ("11111111-1111-4111-8111-111111111111", "33333333-3333-4333-8333-333333333333",
                           "44444444-4444-4444-8444-444444444444")

# The schema of version 1 as the app released it (db.js's createFirstStores), frozen here.
V1_STORES = {
    "drafts": {"keyPath": "uuid"},
    "outbox": {"keyPath": "uuid", "indexes": {"queued_at": "queued_at"}},
    "sent": {"keyPath": "uuid", "indexes": {"started_at": "record.started_at"}},
    "blobs": {"keyPath": "uuid", "indexes": {"inspection_uuid": "inspection_uuid"}},
    "uploads": {"keyPath": "urlStorageKey"},
    "forms": {"keyPath": "key"},
    "officers": {"keyPath": "username"},
    "subjects": {"keyPath": "key", "indexes": {"used_at": "used_at"}},
    "meta": {},
}


def record(uuid: str, plate: str) -> dict:
    return {"uuid": uuid, "form_id": "overload", "form_version": 1, "officers": ["officer1", "officer2"],
            "subject": {"kind": "vehicle", "name": plate}, "started_at": "2026-11-29T01:00:00Z",
            "answers": {"axle_count": 6, "remarks": "超限 12%"}, "device_id": "pwa-old", "app_version": "0.3.0"}


# A busy day on version 1: drafts, records queued and rejected, their files, a half-done upload.
V1_DATA = {
    "drafts": [{**record(DRAFT, "浙F30003"), "updated_at": "2026-11-29T02:00:00Z"},
               {**record("55555555-5555-4555-8555-555555555555", "浙F30004"), "updated_at": "2026-11-29T03:00:00Z"}],
    "outbox": [{"uuid": QUEUED, "record": record(QUEUED, "浙F40001"), "queued_at": "2026-11-29T04:00:00Z",
                "state": "pending", "attempts": 3},
               {"uuid": REJECTED, "record": record(REJECTED, "浙F40002"), "queued_at": "2026-11-29T04:05:00Z",
                "state": "rejected", "attempts": 1,
                "server": {"result": "rejected", "errors": {"answers": ["缺少"]}}}],
    "sent": [{"uuid": "66666666-6666-4666-8666-666666666666",
              "record": record("66666666-6666-4666-8666-666666666666", "浙F50001"),
              "server": {"result": "created", "state": "submitted"}, "confirmed_at": "2026-11-28T09:00:00Z"}],
    "blobs": [{"uuid": f"2222222{i}-2222-4222-8222-222222222222", "inspection_uuid": owner, "kind": kind,
               "sha256": f"{i:064x}", "blob": {"$blob": text, "type": mime}}
              for i, (owner, kind, text, mime) in enumerate([
                  (DRAFT, "photo", "photo bytes", "image/jpeg"), (DRAFT, "audio", "audio bytes", "audio/webm"),
                  (QUEUED, "photo", "queued photo", "image/jpeg"), (QUEUED, "signature", "<svg/>", "image/png"),
                  (REJECTED, "video", "video bytes " * 100, "video/webm")])],
    "uploads": [{"urlStorageKey": "tus::fp-1::1", "fingerprint": "fp-1", "uploadUrl": "/api/uploads/abc",
                 "size": 1200, "creationTime": "2026-11-29T04:01:00Z"}],
    "forms": [{"id": "overload", "version": 1, "key": "overload/1", "title": "超限检查", "items": []}],
    "officers": [{"username": "officer2", "name": "李四"}, {"username": "officer3", "name": "王五"}],
    "subjects": [{"kind": "vehicle", "name": "浙F30003", "key": "vehicle:浙F30003", "used_at": "2026-11-29T01:00:00Z"}],
    "meta": [["device_id", "pwa-old"], ["forms_etag", "W/\"abc\""], ["records_pulled_at", "2026-11-29T05:00:00Z"]],
}

MAKE_DATABASE = """async ({ version, stores, data }) => {
    const asBlob = (v) => JSON.parse(JSON.stringify(v), (k, x) =>
      x && x.$blob !== undefined ? new Blob([x.$blob], { type: x.type }) : x);
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open('fieldcase', version);
      r.onupgradeneeded = () => {
        for (const [name, s] of Object.entries(stores)) {
          const store = r.result.createObjectStore(name, s.keyPath ? { keyPath: s.keyPath } : {});
          for (const [index, path] of Object.entries(s.indexes || {})) store.createIndex(index, path);
        }
      };
      r.onsuccess = () => ok(r.result);
      r.onerror = ko;
    });
    const tx = db.transaction(Object.keys(data), 'readwrite');
    for (const [name, values] of Object.entries(data)) {
      for (const value of values) {
        if (name === 'meta') tx.objectStore(name).put(value[1], value[0]);
        else tx.objectStore(name).put(asBlob(value));
      }
    }
    await new Promise((ok, ko) => { tx.oncomplete = ok; tx.onerror = ko; });
    db.close();
}"""

# Every store's schema and every value (blobs as their type and text), read with plain IndexedDB.
DUMP = """async () => {
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open('fieldcase'); r.onsuccess = () => ok(r.result); r.onerror = ko;
    });
    const out = { version: db.version, schema: {}, data: {} };
    for (const name of [...db.objectStoreNames].sort()) {
      const store = db.transaction(name).objectStore(name);
      out.schema[name] = { keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes: Object.fromEntries(
        [...store.indexNames].sort().map((i) => [i,
          [store.index(i).keyPath, store.index(i).unique, store.index(i).multiEntry]])) };
      const [keys, values] = await Promise.all(['getAllKeys', 'getAll'].map((m) => new Promise((ok, ko) => {
        const r = db.transaction(name).objectStore(name)[m](); r.onsuccess = () => ok(r.result); r.onerror = ko; })));
      out.data[name] = [];
      for (let i = 0; i < values.length; i += 1) {
        const v = values[i];
        const blobs = [];
        JSON.stringify(v, (k, x) => { if (x instanceof Blob) blobs.push(x); return x; });
        const texts = await Promise.all(blobs.map((b) => b.text()));
        let n = 0;
        out.data[name].push([keys[i], JSON.parse(JSON.stringify(v, (k, x) =>
          x instanceof Blob ? { $blob: texts[n++], type: x.type } : x))]);
      }
    }
    db.close();
    return out;
}"""

OPEN_WITH_THE_APP = "async () => { (await (await import('/js/db.js')).openStore()).close(); }"


def test_a_phone_full_of_version_1_data_upgrades_and_loses_nothing(make_phone, live_server):
    old = make_phone(service_workers="block")
    page = old.page
    page.goto(f"{live_server.url}/healthz")
    page.evaluate(MAKE_DATABASE, {"version": 1, "stores": V1_STORES, "data": V1_DATA})
    before = page.evaluate(DUMP)
    assert before["version"] == 1 and len(before["data"]["blobs"]) == 5  # the fixture is what it says

    page.evaluate(OPEN_WITH_THE_APP)
    after = page.evaluate(DUMP)

    fresh = make_phone(service_workers="block")
    fresh.page.goto(f"{live_server.url}/healthz")
    fresh.page.evaluate(OPEN_WITH_THE_APP)
    new = fresh.page.evaluate(DUMP)

    # Same stores and indexes as a phone that starts on the new version, at the same version.
    assert after["version"] == new["version"] == 4
    assert json.dumps(after["schema"], sort_keys=True) == json.dumps(new["schema"], sort_keys=True)
    # Every value of every store of version 1 is still there, byte for byte (the files too).
    for name in V1_STORES:
        assert after["data"][name] == before["data"][name], name
    added = {n: v for n, v in after["data"].items() if n not in V1_STORES}
    assert added == {"records": [], "server_evidence": [], "tasks": [], "number_blocks": [], "decisions": []}

    # And the officer sees it: the app opens (no network for the API) with both drafts and the queue.
    page.route("**/api/**", lambda route: route.abort())
    page.evaluate("""async () => { const db = await (await import('/js/db.js')).openStore();
        await db.put('meta', { username: 'officer1', name: '张三', role: 'officer' }, 'me'); db.close(); }""")
    old.open("#/")
    page.wait_for_selector(".home")
    for uuid, plate in ((DRAFT, "浙F30003"), ("55555555-5555-4555-8555-555555555555", "浙F30004")):
        expect(page.locator(f"[data-role=drafts] a[data-uuid='{uuid}']")).to_contain_text(plate)
    expect(page.locator("#outbox-count")).to_have_text("2")
    assert [entry for _key, entry in page.evaluate(DUMP)["data"]["blobs"]] == [v for _k, v in before["data"]["blobs"]]
