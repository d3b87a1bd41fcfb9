"""Under a real gunicorn (two worker processes): officers issue documents at once over HTTP and
the numbers run 1..N without gap or repeat; the background sealer of each process seals them
while nobody waits, and each one's state turns 已签章 in the API."""
from __future__ import annotations

import time
from functools import partial

import sqlalchemy as sa

from server.documents.models import Document
from server.extensions import db
from server.process_memory import rss_mb
from testing.concurrent import at_once
from testing.documents import FIELDS
from testing.live import worker_pids

CLIENTS, EACH = 4, 3


def test_concurrent_issue_over_http_numbers_and_seals_every_document(live_server, demo_seal):
    sessions = [live_server.login(name) for name in ("officer1", "officer2", "officer1", "officer2")]
    issued = []

    def work(session):
        for _ in range(EACH):
            answer = session.post(f"{live_server.url}/api/documents", timeout=60, json={
                "type": "onsite_penalty_decision", "fields": FIELDS["onsite_penalty_decision"]})
            assert answer.status_code == 201, answer.text
            issued.append(answer.json())

    at_once([partial(work, s) for s in sessions], timeout=180)
    serials = sorted(int(d["number"].split("第 ")[1].split(" 号")[0]) for d in issued)
    assert serials == list(range(1, CLIENTS * EACH + 1))
    assert all(d["state"] == "pending" for d in issued)  # answered before any seal
    supervisor = live_server.login("supervisor1")
    deadline = time.monotonic() + 240
    states = {}
    while time.monotonic() < deadline:
        states = {d["uuid"]: supervisor.get(f"{live_server.url}/api/documents/{d['uuid']}",
                                            timeout=30).json()["state_label"] for d in issued}
        if set(states.values()) == {"已签章"}:
            break
        time.sleep(1)
    assert set(states.values()) == {"已签章"}, states


def _states(ids: list[int]) -> set[str]:
    """The states of the documents `ids` as stored now (read afresh: gunicorn's workers write them)."""
    db.session.remove()
    return set(db.session.execute(sa.select(Document.state).where(
        Document.id.in_(ids))).scalars())


def test_documents_left_waiting_are_sealed_by_a_worker_that_starts_though_nobody_asks(
        gunicorn_with, issue, demo_seal):
    """A worker replaced or crashed before it sealed what was issued leaves documents 待签章:
    each worker starts its sealer when it starts, and its poll seals them, with no request."""
    waiting = [issue("onsite_penalty_decision").id for _ in range(2)]
    assert _states(waiting) == {"pending"}
    gunicorn_with(WORKERS=1, SEAL_POLL_SECONDS=1)
    deadline = time.monotonic() + 120
    while _states(waiting) != {"signed"} and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _states(waiting) == {"signed"}


def test_opening_a_waiting_document_in_a_fresh_worker_seals_it_soon(gunicorn_with, issue, demo_seal):
    """Its first look wakes the worker's sealer at once (its poll is an hour away here)."""
    document_uuid = issue("onsite_penalty_decision").uuid
    server = gunicorn_with(WORKERS=1, SEAL_POLL_SECONDS=3600)
    supervisor = server.login("supervisor1")
    deadline, state = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        state = supervisor.get(f"{server.url}/api/documents/{document_uuid}", timeout=30).json()["state_label"]
        if state == "已签章":
            break
        time.sleep(0.5)
    assert state == "已签章"


def test_sealing_documents_leaves_the_workers_memory_as_it_was(gunicorn_with, demo_seal):
    """Laying a document out took its worker from 130 to 300-500 MB (more with each document
    sealed) until the worker was replaced; laid out in a child, the worker stays as it was."""
    server = gunicorn_with(WORKERS=1, MAX_REQUESTS=0, WORKER_MAX_RSS_MB=0, SEAL_POLL_SECONDS=1)
    officer, supervisor = server.login("officer1"), server.login("supervisor1")

    def issue_and_wait(count: int) -> None:
        issued = [officer.post(f"{server.url}/api/documents", timeout=60, json={
            "type": "onsite_penalty_decision", "fields": FIELDS["onsite_penalty_decision"]}).json()
            for _ in range(count)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(
                supervisor.get(f"{server.url}/api/documents/{d['uuid']}", timeout=30).json()["state"] != "signed"
                for d in issued):
            time.sleep(0.5)

    issue_and_wait(1)  # the first seal loads the signing code
    worker = worker_pids(server.log.read_text())
    warm = rss_mb(worker[0])
    issue_and_wait(5)
    assert worker_pids(server.log.read_text()) == worker  # the same worker sealed them all
    assert _states(list(range(1, 7))) == {"signed"}
    assert rss_mb(worker[0]) < warm + 25, (warm, rss_mb(worker[0]))
