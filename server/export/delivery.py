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
import uuid

from flask import Flask, current_app

from ..clock import utcnow
from ..database import write_intent
from ..extensions import db
from . import outbox, webhook
from .feed import build_events, entries_at
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
    for delivery_id, url, secret, event in jobs:
        outcome = webhook.post(url, secret, event, int(utcnow().timestamp()), timeout)
        with write_intent(True):
            state = outbox.finish(delivery_id, owner, utcnow(), ok=outcome.ok, status=outcome.status,
                                  error=outcome.error, retry_after=outcome.retry_after)
            db.session.commit()
        if not outcome.ok:
            log.warning("export: %s to %s failed (%s), now %s", event["id"], url, outcome.error, state)
    return len(ids)


def _jobs(ids: list[int]) -> list[tuple[int, str, str, dict]]:
    deliveries = [db.session.get(ExportDelivery, i) for i in ids]
    entries = entries_at([d.seq for d in deliveries])
    events = dict(zip([d.seq for d in deliveries],
                      build_events([entries[d.seq] for d in deliveries]), strict=True))
    return [(d.id, d.endpoint.url, d.endpoint.secret, events[d.seq]) for d in deliveries]


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

    threading.Thread(target=run, name="fieldcase-export", daemon=True).start()
    return wake


def wake_delivery(app: Flask) -> None:
    """Deliver soon from this process's worker (started on first use); called after each write
    commits. Off when EXPORT_DELIVERY_THREAD is false, and in the test client's app (its tests
    call `deliver_due` themselves)."""
    if not app.config["EXPORT_DELIVERY_THREAD"] or app.testing:
        return
    wake = app.extensions.get("export_delivery_wake")
    if wake is None:
        with _start_lock:
            wake = app.extensions.get("export_delivery_wake")
            if wake is None:
                wake = app.extensions["export_delivery_wake"] = _start_worker(app)
    wake.set()
