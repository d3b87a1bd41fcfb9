"""Push: events delivered by signed webhooks to a real HTTP receiver on loopback that fails
(500), answers too late, and takes an event but drops the connection before answering. After
deduplication by `webhook-id` the receiver holds every event exactly once, each exactly as the
pull API gives it, every signature verified by the documented algorithm; an event that fails
every attempt becomes a dead letter that an administrator sees and replays."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.export import outbox
from server.export.delivery import deliver_due
from server.export.models import ExportDelivery
from server.extensions import db
from testing import ROOT

from .conftest import pull_all
from .receiver import Receiver


def _deliveries() -> dict[str, ExportDelivery]:
    db.session.rollback()
    return {d.event_id: d for d in db.session.execute(sa.select(ExportDelivery)).scalars()}


def test_every_event_arrives_exactly_once_through_failures_timeouts_and_drops(
        app, history, collector, endpoint):
    events, _ = pull_all(app.test_client(), collector[1])
    with Receiver(slow_seconds=2.0) as receiver:
        receiver.secret = endpoint(receiver.url)
        plans = {events[0]["id"]: ["fail", "fail"], events[1]["id"]: ["slow"],
                 events[2]["id"]: ["drop"], events[3]["id"]: ["drop", "fail", "slow"]}
        receiver.plans.update({k: list(v) for k, v in plans.items()})
        attempts = deliver_due()

    assert receiver.bad_signatures == []
    assert receiver.accepted == {e["id"]: e for e in events}  # each one, exactly as pulled
    assert receiver.received(events[0]["id"]) == 3
    for event in events[1:4]:  # taken, unanswered, sent again: the receiver deduplicated them
        assert receiver.received(event["id"]) == len(plans[event["id"]]) + 1
    assert len(receiver.requests) == attempts == len(events) + 2 + 1 + 1 + 3
    deliveries = _deliveries()
    assert {d.state for d in deliveries.values()} == {"delivered"}
    assert deliveries[events[3]["id"]].attempts == 4
    assert (deliveries[events[0]["id"]].attempts, deliveries[events[0]["id"]].last_status) == (3, 204)


def test_an_event_that_fails_every_attempt_is_a_dead_letter_that_an_admin_replays(
        app, history, collector, endpoint, login_as):
    events, _ = pull_all(app.test_client(), collector[1])
    doomed = events[5]["id"]
    with Receiver() as receiver:
        receiver.secret = endpoint(receiver.url)
        receiver.plans[doomed] = ["fail"] * 4
        deliver_due()
        assert doomed not in receiver.accepted and receiver.received(doomed) == 4
        assert set(receiver.accepted) == {e["id"] for e in events} - {doomed}

        dead = _deliveries()[doomed]
        assert (dead.state, dead.attempts, dead.last_status) == ("dead", 4, 500)
        logged = db.session.execute(sa.select(AuditEntry.details).where(
            AuditEntry.action == "export.delivery_dead")).scalars().all()
        assert len(logged) == 1 and doomed in logged[0]

        assert login_as("officer1").get("/api/export/dead-letters").status_code == 403
        admin = login_as("admin")
        listed = admin.get("/api/export/dead-letters").get_json()
        assert [(d["event_id"], d["attempts"], d["last_status"]) for d in listed] == [(doomed, 4, 500)]
        assert login_as("supervisor1").post(f"/api/export/dead-letters/{dead.id}/replay").status_code == 403
        replayed = admin.post(f"/api/export/dead-letters/{dead.id}/replay")
        assert replayed.status_code == 200 and replayed.get_json()["state"] == "pending"
        again = admin.post(f"/api/export/dead-letters/{dead.id}/replay")
        assert again.status_code == 409 and again.get_json()["code"] == "export.not_dead"
        missing = admin.post("/api/export/dead-letters/999999/replay")
        assert missing.status_code == 404 and missing.get_json()["code"] == "export.delivery_not_found"
        audit = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "export.delivery_replayed")).scalar_one()
        assert audit.actor_username == "admin"

        deliver_due()
        assert receiver.accepted[doomed] == events[5] and receiver.received(doomed) == 5
    assert _deliveries()[doomed].state == "delivered"
    assert admin.get("/api/export/dead-letters").get_json() == []


def test_retries_back_off_exponentially_with_bounded_jitter(app, personas, endpoint):
    app.config.update(EXPORT_RETRY_BASE_SECONDS=5, EXPORT_RETRY_MAX_SECONDS=60)
    for attempts in range(1, 12):
        ceiling = min(60, 5 * 2 ** (attempts - 1))
        delays = {outbox.retry_delay(attempts).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempts, delays)
        assert len(delays) > 1  # jittered
    assert outbox.retry_delay(1, retry_after=30) >= timedelta(seconds=30)
    assert outbox.retry_delay(1, retry_after=10_000) <= timedelta(seconds=60)

    with Receiver() as receiver:
        receiver.secret = endpoint(receiver.url)
        receiver.default_plan = ["fail"]
        first = deliver_due()
        assert first == len(_deliveries())  # one attempt each, then each waits
        assert deliver_due() == 0
    for delivery in _deliveries().values():
        wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert delivery.state == "pending" and 2.5 <= wait <= 5


def test_workers_in_several_processes_never_send_the_same_event_twice(
        app, history, collector, endpoint, database_url, storage_dir):
    events, _ = pull_all(app.test_client(), collector[1])
    with Receiver(pause=0.15) as receiver:
        receiver.secret = endpoint(receiver.url)
        db.session.remove()
        env = {**os.environ, "FIELDCASE_DATABASE_URL": database_url,
               "FIELDCASE_STORAGE_DIR": str(storage_dir)}
        workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "export",
                                     "deliver"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT) for _ in range(3)]
        outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    received = [r["id"] for r in receiver.requests]
    assert sorted(received) == sorted(e["id"] for e in events)  # each once, no duplicate at all
    attempts = [int(out.split(" attempt")[0].split()[-1]) for out in outputs]
    assert sum(attempts) == len(events)
    assert sum(1 for a in attempts if a) >= 2, attempts  # the work was shared


def test_an_event_that_cannot_be_built_ends_a_dead_letter_and_holds_up_nothing(
        app, personas, endpoint):
    """An audit entry whose details do not read as its kind expects (written by hand here) fails
    its attempts and becomes a dead letter; the events around it are delivered."""
    from server.audit.service import record_event

    broken = record_event("user.updated", object_type="user", object_id=personas["officer1"].id,
                          details={"before": {"roles": ["officer"]}, "after": {"roles": ["officer"]}},
                          sequenced=True)  # its seq is read below (on PostgreSQL it would be queued)
    db.session.commit()
    with Receiver() as receiver:
        receiver.secret = endpoint(receiver.url)
        deliver_due()
    deliveries = {d.seq: d for d in _deliveries().values()}
    assert deliveries[broken.seq].state == "dead" and deliveries[broken.seq].attempts == 4
    assert deliveries[broken.seq].last_error.startswith("event not built: KeyError")
    others = [d for seq, d in deliveries.items() if seq != broken.seq]
    assert len(others) == 5 and {d.state for d in others} == {"delivered"}
    assert len(receiver.accepted) == 5 == len(receiver.requests)


def test_a_burst_of_writes_wakes_one_delivery_round_not_one_each(app, history, collector, endpoint,
                                                                 monkeypatch):
    """Each write that commits wakes its process's delivery thread; the writes of a burst share
    a round (EXPORT_WAKE_COALESCE_MS), since a round per write cost a third of a sync's CPU, and
    every event still arrives once."""
    from server.export import delivery

    events, _ = pull_all(app.test_client(), collector[1])
    rounds = []
    real = delivery.deliver_due
    monkeypatch.setattr(delivery, "deliver_due", lambda owner=None: rounds.append(owner) or real(owner))
    monkeypatch.setitem(app.config, "EXPORT_POLL_SECONDS", 3600)
    monkeypatch.setitem(app.config, "EXPORT_WAKE_COALESCE_MS", 400)
    with Receiver() as receiver:
        receiver.secret = endpoint(receiver.url)
        db.session.remove()
        wake = delivery._start_worker(app)
        wake.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(receiver.accepted) < len(events):
            time.sleep(0.05)
        time.sleep(0.5)
        rounds.clear()
        started = time.monotonic()
        for _ in range(50):  # fifty writes committed within a quarter of a second
            wake.set()
            time.sleep(0.005)
        pauses = (time.monotonic() - started) / 0.4  # a slow machine may stretch the burst
        time.sleep(1.0)  # a round owed to the burst would have run by now
    assert receiver.accepted == {e["id"]: e for e in events}
    assert len(receiver.requests) == len(events)
    # One round per pause the burst spans, at most (without the pause: a round per write).
    assert 1 <= len(rounds) <= 2 + int(pauses), (rounds, pauses)
