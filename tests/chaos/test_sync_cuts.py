"""Sync over a link that breaks: batches cut in the request's head, mid-body, or after the
server committed but before the answer arrived, each retried as the PWA's outbox does (same
UUIDs, same bytes) until it is answered. Every record ends on the server exactly once, unchanged,
and every answer a phone gets, first or replayed, is the original one."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from server.inspections.models import Inspection
from server.inspections.service import record_content_hash

from ..factories import overload_record, sync_body
from .conftest import CUT_KINDS, scaled

pytestmark = pytest.mark.live

JSON = {"Content-Type": "application/json"}
REPLAYED = ("uuid", "status", "received_at", "revision", "missing_evidence")


def summary(answer: dict) -> tuple:
    return tuple(json.dumps(answer[key]) for key in REPLAYED)


def sync_until_answered(phone, body: bytes) -> list[dict]:
    """Resend the same bytes until the server answers, as the outbox does (bounded)."""
    for _ in range(5):
        answer = phone.send("POST", "/api/sync", data=body, headers=JSON)
        if answer.status_code == 200:
            return answer.json()["results"]
    raise AssertionError(f"sync not answered: {answer.status_code} {answer.text[:500]}")


def test_sync_batches_cut_at_random_points_store_each_record_exactly_once(phone_as, chaos_rng, runner):
    rng = chaos_rng
    phone = phone_as("officer1")
    cuts_wanted = scaled(200)
    sent: dict[str, dict] = {}  # uuid -> the record as the phone holds it
    first_answer: dict[str, tuple] = {}  # uuid -> the first answer the phone received
    batches: list[bytes] = []
    struck = dict.fromkeys(CUT_KINDS, 0)
    while sum(struck.values()) < cuts_wanted:
        records = [overload_record(plate=f"浙F{len(sent) + i:05d}", measured_mass=rng.randint(9000, 18000))
                   for i in range(rng.randint(1, 4))]
        sent.update((r["uuid"], r) for r in records)
        body = json.dumps(sync_body(*records), ensure_ascii=False).encode()
        batches.append(body)
        committed = False
        for _ in range(min(rng.randint(1, 3), cuts_wanted - sum(struck.values()))):
            kind = rng.choice(CUT_KINDS)
            cut = phone.cut_point(rng, kind, "POST", "/api/sync", body, JSON)
            answer = phone.send("POST", "/api/sync", data=body, headers=JSON, cut=cut,
                                reset=rng.random() < 0.5)
            assert answer is None and phone.struck, f"the cut {cut} did not strike: {answer}"
            struck[kind] += 1
            committed |= kind == "answer"
        results = sync_until_answered(phone, body)
        # A cut request was never read whole, so nothing of it was stored; a cut answer left
        # only after the commit, so the retry finds every record stored and replays it.
        expected = "duplicate" if committed else "created"
        assert [a["result"] for a in results] == [expected] * len(records), (struck, results)
        for record, answer in zip(records, results, strict=True):
            assert answer["uuid"] == record["uuid"]
            first_answer[record["uuid"]] = summary(answer)

    assert min(struck.values()) > 0, struck
    print(f"cuts: {struck}, {len(batches)} batches, {len(sent)} records")

    # Every replay, in any order, answers with the original result (a third of the batches
    # again; the status of every record below is compared with its first answer too).
    for body in rng.sample(batches, max(1, len(batches) // 3)):
        for answer in sync_until_answered(phone, body):
            assert answer["result"] == "duplicate"
            assert summary(answer) == first_answer[answer["uuid"]]
    uuids = list(sent)
    for start in range(0, len(uuids), 50):
        chunk = uuids[start:start + 50]  # the URL stays under gunicorn's 4 KB request line
        held = phone.send("GET", "/api/sync/status", params={"uuid": chunk}).json()
        assert sorted(summary(h) for h in held) == sorted(first_answer[u] for u in chunk)

    # Exactly once, content unchanged, in the database and through the API.
    db.session.expire_all()
    stored = dict(db.session.execute(sa.select(Inspection.uuid, Inspection.content_hash)).all())
    assert sorted(str(u) for u in stored) == sorted(sent)
    assert {str(u): h for u, h in stored.items()} == {u: record_content_hash(r) for u, r in sent.items()}
    submitted = db.session.execute(sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "inspection.submitted")).scalars().all()
    assert sorted(submitted) == sorted(uuids)
    for record_uuid in rng.sample(uuids, min(20, len(uuids))):
        shown = phone.send("GET", f"/api/inspections/{record_uuid}").json()
        record = sent[record_uuid]
        assert shown["content_hash"] == record_content_hash(record)
        assert shown["answers"] == record["answers"]
        assert shown["subject"]["name"] == record["subject"]["name"]
        assert [o["username"] for o in shown["officers"]] == record["officers"]
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit verify: OK" in verified.output, verified.output
