"""Delivering the outbox: claim due deliveries, build each event, POST it signed, record the
outcome. Run by a background thread per process (started with the first write it serves, like
the witness submitter) and by `flask --app server export deliver`; any number of them may run
at once, on any database: a delivery is leased to one worker in the writer's turn (outbox.py).

No transaction is held while a receiver answers.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from flask import Flask, current_app

from ..clock import utcnow
from ..database import write_intent
from ..extensions import db
from . import outbox, webhook
from .feed import build_event, build_events, entries_at
from .models import ExportDelivery

log = logging.getLogger("fieldcase.export")
CLAIM_BATCH = 10


def worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_batch(owner: str) -> int:
    """Claim up to CLAIM_BATCH due deliveries and attempt each once; returns how many."""
    now = utcnow()
    with write_intent(False):
        waiting = outbox.work_waiting(now)
        db.session.rollback()
    if not waiting:
        return 0
    with write_intent(True):
        outbox.enqueue_new(now)
        ids = outbox.claim_due(owner, now, CLAIM_BATCH)
        db.session.commit()
    if not ids:
        return 0
    with write_intent(False):
        jobs = _jobs(ids)
        db.session.rollback()
    timeout = current_app.config["EXPORT_WEBHOOK_TIMEOUT_SECONDS"]
    outcomes = []
    for delivery_id, url, secret, event, problem in jobs:
        outcome = webhook.post(url, secret, event, int(utcnow().timestamp()), timeout) \
            if event is not None else webhook.Outcome(False, None, problem)
        outcomes.append((delivery_id, utcnow(), outcome))
        if not outcome.ok:
            log.warning("export: delivery %s to %s failed (%s)", delivery_id, url, outcome.error)
    # The batch's outcomes in one writer's turn (one fsync, not one per event); should this
    # process die first, the leases expire and the batch is sent again: receivers deduplicate.
    with write_intent(True):
        for delivery_id, attempted_at, outcome in outcomes:
            outbox.finish(delivery_id, owner, attempted_at, ok=outcome.ok, status=outcome.status,
                          error=outcome.error, retry_after=outcome.retry_after)
        db.session.commit()
    return len(ids)


def _jobs(ids: list[int]) -> list[tuple[int, str, str, dict | None, str | None]]:
    """(delivery id, url, secret, event, why it could not be built) of each claimed delivery."""
    deliveries = [db.session.get(ExportDelivery, i) for i in ids]
    entries = entries_at([d.seq for d in deliveries])
    built = _build([entries[d.seq] for d in deliveries])
    return [(d.id, d.endpoint.url, d.endpoint.secret, *one) for d, one in zip(deliveries, built, strict=True)]


def _build(entries: list) -> list[tuple[dict | None, str | None]]:
    """Each entry's event, or why it could not be built: an entry whose rows do not read as its
    kind expects is a failed attempt (and in the end a dead letter an admin sees), never a
    worker stuck on it while the others wait."""
    try:
        return [(event, None) for event in build_events(entries)]
    except Exception:  # noqa: BLE001 - find the bad one(s), build the others
        log.exception("export: building a batch of events failed; building them one by one")
    built = []
    for entry in entries:
        try:
            built.append((build_event(entry), None))
        except Exception as exc:  # noqa: BLE001 - recorded on the delivery, logged above
            built.append((None, f"event not built: {type(exc).__name__}: {exc}"))
    return built


def deliver_due(owner: str | None = None) -> int:
    """Attempt every delivery due now (those that fail wait for their next attempt); returns
    the number of attempts."""
    owner = owner or worker_name()
    total = 0
    while True:
        count = deliver_batch(owner)
        total += count
        if count == 0:
            return total


# --- the background worker ---------------------------------------------------------------------

_start_lock = threading.Lock()


def _start_worker(app: Flask) -> threading.Event:
    wake = threading.Event()
    owner = worker_name()

    def run():
        coalesce = app.config["EXPORT_WAKE_COALESCE_MS"] / 1000
        while True:
            wake.wait(app.config["EXPORT_POLL_SECONDS"])
            wake.clear()
            with app.app_context():
                try:
                    deliver_due(owner)
                except Exception:  # noqa: BLE001 - the thread must survive to try again
                    log.exception("export delivery failed")
                finally:
                    db.session.remove()
            # The writes committed meanwhile set `wake` again and are served by one round after
            # this pause, not by a round each: a burst of syncs once paid a round per write.
            time.sleep(coalesce)

    threading.Thread(target=run, name="fieldcase-export", daemon=True).start()
    return wake


def wake_delivery(app: Flask) -> None:
    """Deliver soon from this process's worker (started on first use): within
    EXPORT_WAKE_COALESCE_MS of its last round; called after each write commits. Off when
    EXPORT_DELIVERY_THREAD is false, and in the test client's app (its tests call `deliver_due`
    themselves)."""
    if not app.config["EXPORT_DELIVERY_THREAD"] or app.testing:
        return
    wake = app.extensions.get("export_delivery_wake")
    if wake is None:
        with _start_lock:
            wake = app.extensions.get("export_delivery_wake")
            if wake is None:
                wake = app.extensions["export_delivery_wake"] = _start_worker(app)
    wake.set()
