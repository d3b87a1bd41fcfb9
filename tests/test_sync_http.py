"""Sync over real HTTP to gunicorn: retries, reordering and parallel duplicates across workers."""
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from server.inspections.models import Inspection
from server.inspections.schemas import SyncStatusQuerySchema

from .conftest import ROOT
from .factories import overload_record, sync_body

pytestmark = pytest.mark.live


def test_500_records_sent_1_to_5_times_in_random_order_make_exactly_500(live_server):
    rng = random.Random(6962)
    records = [overload_record(plate=f"浙F{i:05d}") for i in range(500)]
    sends = [r for r in records for _ in range(rng.randint(1, 5))]
    rng.shuffle(sends)
    batches = [sends[i:i + 25] for i in range(0, len(sends), 25)]
    # Some batches are sent twice at the same moment, as a retrying phone does.
    batches += rng.sample(batches, 10)
    rng.shuffle(batches)
    sessions = [live_server.login("officer1") for _ in range(6)]

    def send(job):
        index, batch = job
        response = sessions[index % len(sessions)].post(live_server.url + "/api/sync", json=sync_body(*batch))
        assert response.status_code == 200, response.text
        return response.json()["results"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = [r for results in pool.map(send, enumerate(batches)) for r in results]

    refused = [a for a in answers if a["result"] not in ("created", "duplicate")]
    assert not refused, refused[:3]  # which check refused, should it ever happen
    created = [a for a in answers if a["result"] == "created"]
    assert len(created) == 500
    assert len({a["uuid"] for a in created}) == 500
    original = {a["uuid"]: a for a in created}
    for a in answers:  # every replay answers with the original result
        first = original[a["uuid"]]
        assert ((a["received_at"], a["revision"], a["status"])
                == (first["received_at"], first["revision"], first["status"]))
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Inspection)).scalar() == 500
    submitted = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "inspection.submitted")).scalar()
    assert submitted == 500
    seqs = db.session.execute(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1))  # the log has no gaps, even under concurrency


def test_100_conflicting_resubmissions_change_nothing_and_are_audited(live_server):
    officer = live_server.login("officer1")
    records = [overload_record(plate=f"浙F{i:05d}") for i in range(100)]
    r = officer.post(live_server.url + "/api/sync", json=sync_body(*records))
    assert [x["result"] for x in r.json()["results"]] == ["created"] * 100
    altered = [{**rec, "answers": {**rec["answers"], "cargo": "另一种货物"}} for rec in records]

    def send(batch):
        return live_server.login("officer1").post(live_server.url + "/api/sync", json=sync_body(*batch)).json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [x for body in pool.map(send, [altered[i:i + 25] for i in range(0, 100, 25)])
                   for x in body["results"]]
    assert [a["result"] for a in answers] == ["conflict"] * 100
    db.session.expire_all()
    cargo = db.session.execute(sa.select(Inspection.answers)).scalars().all()
    assert {a["cargo"] for a in cargo} == {"钢材"}
    conflicts = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "inspection.sync_conflict")).scalar()
    assert conflicts == 100


def test_another_officer_resending_the_same_uuid_gets_a_conflict(live_server):
    record = overload_record()
    sent = live_server.login("officer1").post(live_server.url + "/api/sync", json=sync_body(record))
    assert sent.json()["results"][0]["result"] == "created"
    other = overload_record(officers=["officer2", "officer1"], uuid=record["uuid"])
    answer = live_server.login("officer2").post(live_server.url + "/api/sync", json=sync_body(other)).json()
    assert answer["results"][0]["result"] == "conflict"
    assert uuid.UUID(answer["results"][0]["uuid"]) == uuid.UUID(record["uuid"])


def test_sync_status_takes_as_many_uuids_as_it_allows_and_the_pwa_asks_through_gunicorn(live_server):
    """The UUIDs travel in the request line, which gunicorn caps at 4094 bytes: the API's limit
    and the PWA's batch must fit (the PWA asked about 100 at once: 414 URI Too Long)."""
    officer = live_server.login("officer1")
    record = overload_record()
    assert officer.post(live_server.url + "/api/sync", json=sync_body(record)).status_code == 200
    most = SyncStatusQuerySchema().fields["uuid"].validators[0].max
    pwa = (ROOT / "static" / "pwa" / "js" / "uploads.js").read_text()
    batch = int(re.search(r"export const STATUS_BATCH = (\d+);", pwa).group(1))
    assert batch <= most
    for count in (batch, most):
        uuids = [record["uuid"]] + [str(uuid.uuid4()) for _ in range(count - 1)]
        r = officer.get(live_server.url + "/api/sync/status", params={"uuid": uuids})
        assert r.status_code == 200, r.text[:300]
        assert [held["uuid"] for held in r.json()] == [record["uuid"]]
    too_many = [str(uuid.uuid4()) for _ in range(most + 1)]
    r = officer.get(live_server.url + "/api/sync/status", params={"uuid": too_many})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
