"""The whole path a phone takes: sync a record that lists its evidence, then upload each file
with tus; the record turns complete only when the last file's SHA-256 has been verified."""
from __future__ import annotations

import hashlib

from tests.factories import overload_record, sync_body

from . import samples
from .conftest import TusClient


def test_a_synced_record_completes_when_its_last_evidence_file_arrives(login_as):
    record = overload_record()
    contents = {}
    for i, entry in enumerate(record["evidence"]):
        data = (samples.image("PNG", size=(200 + i, 100)) if entry["media_type"] == "image/png"
                else samples.jpeg(color=(i * 20, 80, 120)))
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        contents[entry["uuid"]] = data
    officer = login_as("officer1")
    answer = officer.post("/api/sync", json=sync_body(record)).get_json()
    result = answer["results"][0]
    assert (result["result"], result["status"]) == ("created", "incomplete"), result
    assert sorted(result["missing_evidence"]) == sorted(contents)

    tus = TusClient(officer)
    for n, entry in enumerate(record["evidence"], start=1):
        created = tus.client.post("/api/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(entry["size"]),
            "Upload-Metadata": f"inspection_uuid {_b64(record['uuid'])},evidence_uuid {_b64(entry['uuid'])},"
                               f"sha256 {_b64(entry['sha256'])}"})
        assert created.status_code == 201, created.get_json()
        r = tus.patch(created.headers["Location"], contents[entry["uuid"]], 0)
        assert r.status_code == 204 and r.headers["X-Evidence-Status"] == "received"
        shown = officer.get(f"/api/inspections/{record['uuid']}").get_json()
        expected = "complete" if n == len(contents) else "incomplete"
        assert shown["status"] == expected, (n, shown["status"])
    listing = login_as("supervisor1").get(f"/api/inspections/{record['uuid']}/evidence").get_json()
    assert [item["status"] for item in listing["evidence"]] == ["received"] * len(contents)
    assert {item["file"]["sha256"] for item in listing["evidence"]} == {e["sha256"] for e in record["evidence"]}


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()
