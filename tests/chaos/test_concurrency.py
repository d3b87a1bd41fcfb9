"""Concurrency (issue #9, part 5): 4 gunicorn workers with their threads take 2,000 record
submissions at once from many phones — single records and small batches, some sent again — and
answer every one: no 5xx, no "database is locked", exactly the records sent, once each.

`make test` sends 400; FIELDCASE_CHAOS_SCALE=5 the issue's 2,000. FIELDCASE_CHAOS_SEED replays
the same submissions.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from server.inspections.models import Inspection

from ..conftest import start_gunicorn, stop_gunicorn
from ..factories import overload_record, sync_body
from .conftest import scaled
from .processes import NO_ANSWER

pytestmark = pytest.mark.live

SUBMISSIONS = scaled(400)
WORKERS = 4
CLIENT_THREADS = 24


def plan_requests(rng: random.Random, submissions: int) -> tuple[list[tuple[str, list[dict]]], set[str]]:
    """(submitting officer, records) requests adding up to `submissions`: half single records,
    half batches of 2-5; about one submission in ten is an officer resending a record they sent
    before (another officer's resend would rightly be a conflict). Also the distinct UUIDs."""
    sent: dict[str, list[dict]] = {"officer1": [], "officer2": []}
    requests, total = [], 0
    while total < submissions:
        officer = rng.choice(sorted(sent))
        size = min(1 if rng.random() < 0.5 else rng.randint(2, 5), submissions - total)
        batch = []
        for _ in range(size):
            if sent[officer] and rng.random() < 0.1:
                record = rng.choice(sent[officer])
                if record not in batch:
                    batch.append(record)
                continue
            partner = "officer2" if officer == "officer1" else "officer1"
            record = overload_record((officer, partner), plate=f"浙F{rng.randrange(100000):05d}")
            record["uuid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            batch.append(record)
            sent[officer].append(record)
        if batch:
            requests.append((officer, batch))
            total += len(batch)
    rng.shuffle(requests)
    return requests, {r["uuid"] for records in sent.values() for r in records}


def test_many_phones_at_once_get_every_answer_without_5xx_or_database_locked(
        app, personas, database_url, storage_dir, tmp_path, chaos_rng):
    requests_, distinct = plan_requests(chaos_rng, SUBMISSIONS)
    print(f"{SUBMISSIONS} submissions in {len(requests_)} requests, "
          f"{len(distinct)} distinct records, {WORKERS} workers, {CLIENT_THREADS} client threads")
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log", workers=WORKERS)
    local, sessions, dropped = threading.local(), [], []
    started = time.monotonic()

    def submit(request: tuple[str, list[dict]]) -> tuple[int, str, list[dict]]:
        officer, records = request
        if not hasattr(local, "sessions"):  # each client thread: a phone per officer
            local.sessions = {name: server.login(name) for name in ("officer1", "officer2")}
            sessions.extend(local.sessions.values())
        for _attempt in range(5):
            try:
                response = local.sessions[officer].post(server.url + "/api/sync",
                                                        json=sync_body(*records), timeout=300)
                break
            except NO_ANSWER as error:  # e.g. a keep-alive connection closed as it was reused
                dropped.append(repr(error))
        else:
            return 0, f"no answer: {dropped[-1]}", []
        results = response.json()["results"] if response.status_code == 200 else []
        return response.status_code, response.text, results

    try:
        with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
            answers = list(pool.map(submit, requests_))
        print(f"answered in {time.monotonic() - started:.1f} s")
    finally:
        for session in sessions:
            session.close()  # no idle keep-alive connection delays gunicorn's shutdown
        stop_gunicorn(server)
    print(f"stopped after {time.monotonic() - started:.1f} s; {len(dropped)} sent again: {dropped[:3]}")
    bad = [(status, text[:300]) for status, text, _ in answers if status != 200]
    assert not bad, f"{len(bad)} requests not answered 200, e.g. {bad[:3]}"
    assert not [t for _, t, _ in answers if "database is locked" in t]
    log = server.log.read_text(errors="replace")
    assert "database is locked" not in log
    assert "Traceback" not in log and "[ERROR]" not in log, f"{log[-3000:]}"
    results = [r for _, _, rs in answers for r in rs]
    assert len(results) == SUBMISSIONS
    assert {r["result"] for r in results} <= {"created", "duplicate"}
    created = [r["uuid"] for r in results if r["result"] == "created"]
    assert sorted(created) == sorted(distinct), "each record created exactly once"

    db.session.remove()
    stored = db.session.execute(sa.select(Inspection.uuid)).scalars().all()
    assert sorted(str(u) for u in stored) == sorted(distinct)
    submitted = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "inspection.submitted")).scalar()
    assert submitted == len(distinct)
    seqs = db.session.execute(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1)), "the audit log has a gap"
