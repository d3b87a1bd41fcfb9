"""The evidence trail a supervisor reads: every event of an inspection and its evidence in log
order, device and server times side by side, each entry proven included in a signed checkpoint."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.audit import merkle
from server.audit.canonical import entry_bytes
from tests.factories import overload_record

from .conftest import PHONE_FAST, fill_evidence, return_for_correction, sync_record, upload_all


def assert_proven(trail: dict, public_key_hex: str) -> None:
    """Every entry's leaf recomputes from its fields and is included in the signed tree."""
    checkpoint = trail["checkpoint"]
    root = bytes.fromhex(checkpoint["root_hash"])
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    key.verify(bytes.fromhex(checkpoint["signature"]), checkpoint["signed_text"].encode())
    assert checkpoint["signed_text"].splitlines()[1:3] == [str(checkpoint["tree_size"]), checkpoint["root_hash"]]
    for event in trail["events"]:
        leaf = merkle.leaf_hash(entry_bytes(event))
        assert leaf.hex() == event["entry_hash"], event["seq"]
        assert event["leaf_index"] == event["seq"] - 1
        proof = [bytes.fromhex(p) for p in event["inclusion_proof"]]
        assert merkle.verify_inclusion(leaf, event["leaf_index"], checkpoint["tree_size"], proof, root)
    assert len(trail["events"]) > 0


def test_the_trail_tells_the_story_in_order_with_both_clocks_and_proofs(synced_case, login_as):
    supervisor = login_as("supervisor1")
    answer = supervisor.get(f"/api/inspections/{synced_case.uuid}/trail")
    assert answer.status_code == 200, answer.get_json()
    trail = answer.get_json()
    events = trail["events"]
    actions = [e["action"] for e in events]
    assert actions[0] == "inspection.submitted" and actions[-1] == "inspection.completed"
    assert actions.count("evidence.upload_started") == actions.count("evidence.received") == 7
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert {e["actor_username"] for e in events} == {"officer1"}
    assert events[0]["actor_display_name"] == "officer1"

    # Device and server clocks side by side; the phone ran two minutes fast.
    submitted = events[0]
    offset = submitted["clock_offset_ms"]
    assert abs(offset - PHONE_FAST.total_seconds() * 1000) < 5000
    assert submitted["device_time_source"] == "finished_at"
    assert submitted["device_time"] == trail["revisions"][0]["finished_at"]
    shifted = datetime.fromisoformat(submitted["device_time"]) - timedelta(milliseconds=offset)
    assert datetime.fromisoformat(submitted["device_time_on_server_clock"]) == shifted
    received = next(e for e in events if e["action"] == "evidence.received")
    item = next(i for i in trail["evidence"] if i["uuid"] == received["evidence_uuid"])
    assert received["device_time"] == item["declared"]["captured_at"]
    assert received["revision_uuid"] == synced_case.uuid and received["clock_offset_ms"] == offset
    assert received["details"]["sha256"] == item["file"]["sha256"]

    # Each file: hash, size, sniffed type, EXIF time and place, the store's flags.
    assert len(trail["evidence"]) == 7
    for item in trail["evidence"]:
        facts = item["file"]
        assert facts["sha256"] == item["declared"]["sha256"]
        assert facts["size"] == len(synced_case.contents[item["uuid"]])
        assert facts["media_type"] == "image/jpeg" and facts["exif_taken_at"]
        assert abs(facts["gps_latitude"] - 30.5257) < 1e-3 and isinstance(facts["flags"], list)
        assert item["status"] == "received" and item["received_at"]

    # The checkpoint was signed so that it covers every entry, and each one is proven.
    assert trail["checkpoint"]["tree_size"] >= events[-1]["seq"]
    key = login_as("admin").get("/api/audit/key").get_json()
    assert trail["checkpoint"]["key_id"] == key["key_id"]
    assert_proven(trail, key["public_key_hex"])


def test_only_those_who_may_see_the_inspection_see_its_trail(synced_case, login_as, client):
    url = f"/api/inspections/{synced_case.uuid}/trail"
    for name in ("officer1", "officer2", "supervisor1", "admin"):
        assert login_as(name).get(url).status_code == 200, name
    for name in ("officer3", "reviewer1"):
        answer = login_as(name).get(url)
        assert answer.status_code == 404 and answer.get_json()["code"] == "request.not_found", name
    assert login_as("admin").get(f"/api/inspections/{uuid.uuid4()}/trail").status_code == 404
    assert client.get(url).status_code == 401


def test_the_trail_spans_every_revision_and_carried_over_evidence(synced_case, login_as):
    officer = login_as("officer1")
    return_for_correction(synced_case.uuid)
    original = synced_case.record
    extra = overload_record()["evidence"][0]
    amendment = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"],
                 "amendment_reason": "补充现场照片",
                 "answers": {**original["answers"],
                             "scene_photos": [*original["answers"]["scene_photos"], extra["uuid"]]},
                 "evidence": [*original["evidence"], extra]}
    contents = fill_evidence({**amendment, "evidence": [extra]}, start=7)
    sync_record(officer, amendment)
    upload_all(officer, amendment, contents)

    key = officer.get("/api/audit/key").get_json()
    for asked in (original["uuid"], amendment["uuid"]):
        trail = officer.get(f"/api/inspections/{asked}/trail").get_json()
        assert [r["revision"] for r in trail["revisions"]] == [1, 2]
        assert len(trail["evidence"]) == 8
        submitted = [e for e in trail["events"] if e["action"] == "inspection.submitted"]
        assert [e["object_id"] for e in submitted] == [original["uuid"], amendment["uuid"]]
        carried = next(i for i in trail["evidence"] if i["uuid"] == original["evidence"][0]["uuid"])
        assert carried["listed_in"] == [original["uuid"], amendment["uuid"]]
        new = next(i for i in trail["evidence"] if i["uuid"] == extra["uuid"])
        assert new["revision_uuid"] == amendment["uuid"] and new["status"] == "received"
        assert_proven(trail, key["public_key_hex"])


def test_the_trail_shape_is_documented_for_other_clients(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/inspections/{inspection_uuid}/trail"]["get"]
    assert "Trail" in str(operation["responses"]["200"])
    event = spec["components"]["schemas"]["TrailEvent"]["properties"]
    assert {"seq", "recorded_at", "device_time", "clock_offset_ms", "inclusion_proof"} <= set(event)


def test_proofs_come_from_one_tree_built_per_checkpoint(synced_case, login_as, monkeypatch):
    built = []
    real = merkle.tree_levels
    monkeypatch.setattr(merkle, "tree_levels", lambda leaves: built.append(len(leaves)) or real(leaves))
    monkeypatch.setattr(merkle, "inclusion_proof", None)  # the O(n)-per-proof path is never taken
    supervisor = login_as("supervisor1")
    first = supervisor.get(f"/api/inspections/{synced_case.uuid}/trail").get_json()
    again = supervisor.get(f"/api/inspections/{synced_case.uuid}/trail").get_json()
    assert first["checkpoint"] == again["checkpoint"] and len(first["events"]) > 20
    assert built == [first["checkpoint"]["tree_size"]]
