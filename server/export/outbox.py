"""The push side's bookkeeping: endpoints, and one delivery row per (endpoint, exported entry).

`enqueue_new` turns the exported entries an endpoint has not yet scanned into pending deliveries;
`claim_due` leases due deliveries to one worker; `finish` records an attempt's outcome (delivered,
retried later with backoff and jitter, or dead after the last attempt); `replay` gives a dead
letter a fresh start. Each runs in the writer's turn, so two workers, in any process, never
claim the same row: the lease is taken by a conditional UPDATE under the one writer lock.
"""
from __future__ import annotations

import base64
import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..audit.service import record_event
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from .feed import exported, log_end, read_logged
from .format import event_id
from .models import ExportDelivery, ExportEndpoint

SCAN_BATCH = 1000


def add_endpoint(name: str, url: str, *, from_now: bool = False) -> ExportEndpoint:
    """A new endpoint with a fresh signing secret; it receives the whole history unless
    `from_now`."""
    if db.session.execute(sa.select(ExportEndpoint.id).where(ExportEndpoint.name == name)).first():
        raise ApiError("export.endpoint_exists")
    if not url.startswith(("https://", "http://")):
        raise ApiError("request.validation", errors={"url": ["应为 http(s):// 开头的地址。"]})
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint = ExportEndpoint(name=name, url=url, secret=secret, created_at=utcnow(),
                              scanned_through=log_end()[0] if from_now else 0)
    db.session.add(endpoint)
    db.session.flush()
    record_event("export.endpoint_added", actor_username="cli", object_type="export_endpoint",
                 object_id=endpoint.id, details={"name": name, "url": url,
                                                 "from_seq": endpoint.scanned_through})
    return endpoint


def disable_endpoint(name: str) -> ExportEndpoint:
    """Stop pushing to an endpoint (its pending deliveries wait; nothing is lost)."""
    endpoint = db.session.execute(sa.select(ExportEndpoint).where(ExportEndpoint.name == name)).scalar()
    if endpoint is None:
        raise ApiError("export.endpoint_not_found")
    if endpoint.disabled_at is None:
        endpoint.disabled_at = utcnow()
        db.session.flush()
        record_event("export.endpoint_disabled", actor_username="cli", object_type="export_endpoint",
                     object_id=endpoint.id, details={"name": name})
    return endpoint


def enqueue_new(now: datetime) -> int:
    """Pending deliveries for the exported entries each active endpoint has not scanned yet."""
    added = 0
    end = log_end()[0]
    # Locked, re-read: a worker on another server scanning at once waits, then skips what this
    # scan covered (the (endpoint, seq) unique constraint would refuse a second delivery).
    endpoints = db.session.execute(sa.select(ExportEndpoint).where(
        ExportEndpoint.disabled_at.is_(None), ExportEndpoint.scanned_through < end)
        .order_by(ExportEndpoint.id).with_for_update()
        .execution_options(populate_existing=True)).scalars().all()
    for endpoint in endpoints:
        logged = read_logged(endpoint.scanned_through, SCAN_BATCH, end)
        through = logged[-1].seq if len(logged) == SCAN_BATCH else end
        entries = exported(logged)
        if entries:
            db.session.execute(ExportDelivery.__table__.insert(), [
                {"endpoint_id": endpoint.id, "seq": e.seq, "event_id": event_id(e.entry_hash),
                 "state": "pending", "attempts": 0, "next_attempt_at": now} for e in entries])
        endpoint.scanned_through = through
        added += len(entries)
    db.session.flush()
    return added


def work_waiting(now: datetime) -> bool:
    """Anything to deliver, or an entry of a registered action that an active endpoint has not
    scanned (read in a reader's transaction: a worker takes a writer's turn only for work, not
    after every write it is woken by)."""
    if db.session.execute(_due(now).limit(1)).first() is not None:
        return True
    behind = db.session.execute(sa.select(sa.func.min(ExportEndpoint.scanned_through)).where(
        ExportEndpoint.disabled_at.is_(None))).scalar()
    return behind is not None and bool(read_logged(behind, 1))


def _due(now: datetime):
    return sa.select(ExportDelivery.id).join(ExportEndpoint).where(
        ExportDelivery.state == "pending", ExportDelivery.next_attempt_at <= now,
        ExportEndpoint.disabled_at.is_(None),
        sa.or_(ExportDelivery.lease_until.is_(None), ExportDelivery.lease_until < now))


def claim_due(owner: str, now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due deliveries to `owner` (oldest events first); returns their ids."""
    ids = list(db.session.execute(_due(now).order_by(ExportDelivery.seq).limit(limit)).scalars())
    if not ids:
        return []
    lease = timedelta(seconds=(current_app.config["EXPORT_WEBHOOK_TIMEOUT_SECONDS"] + 5) * (len(ids) + 1))
    db.session.execute(sa.update(ExportDelivery).where(
        ExportDelivery.id.in_(ids), ExportDelivery.state == "pending",
        sa.or_(ExportDelivery.lease_until.is_(None), ExportDelivery.lease_until < now))
        .values(lease_owner=owner, lease_until=now + lease).execution_options(synchronize_session=False))
    return list(db.session.execute(sa.select(ExportDelivery.id).where(
        ExportDelivery.id.in_(ids), ExportDelivery.lease_owner == owner)
        .order_by(ExportDelivery.seq)).scalars())


def retry_delay(attempts: int, retry_after: int | None = None) -> timedelta:
    """Exponential backoff with jitter, bounded: base·2^(n-1) capped, then a random point in its
    upper half (never sooner than the receiver's Retry-After, never later than the cap)."""
    config = current_app.config
    cap = config["EXPORT_RETRY_MAX_SECONDS"]
    delay = min(cap, config["EXPORT_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1))
    delay = random.uniform(delay / 2, delay)
    if retry_after:
        delay = max(delay, min(retry_after, cap))
    return timedelta(seconds=delay)


def finish(delivery_id: int, owner: str, now: datetime, *, ok: bool, status: int | None,
           error: str | None, retry_after: int | None = None) -> str | None:
    """Record one attempt by `owner`; returns the new state (None: the lease was lost)."""
    delivery = db.session.get(ExportDelivery, delivery_id)
    if delivery is None or delivery.lease_owner != owner or delivery.state != "pending":
        return None
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status = now, status
    delivery.last_error = (error or None) and error[:500]
    delivery.lease_owner = delivery.lease_until = None
    if ok:
        delivery.state, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= current_app.config["EXPORT_MAX_ATTEMPTS"]:
        delivery.state, delivery.dead_at = "dead", now
        record_event("export.delivery_dead", actor_username="system", object_type="export_delivery",
                     object_id=delivery.id, details={
                         "endpoint": delivery.endpoint.name, "event_id": delivery.event_id,
                         "seq": delivery.seq, "attempts": delivery.attempts,
                         "last_status": status, "last_error": delivery.last_error})
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts, retry_after)
    db.session.flush()
    return delivery.state


def dead_letters(limit: int, after_id: int = 0) -> list[ExportDelivery]:
    return list(db.session.execute(sa.select(ExportDelivery).where(
        ExportDelivery.state == "dead", ExportDelivery.id > after_id)
        .order_by(ExportDelivery.id).limit(limit)).scalars())


def replay(delivery_id: int, *, actor) -> ExportDelivery:
    """Send a dead letter again, from a fresh count of attempts (audited)."""
    delivery = db.session.get(ExportDelivery, delivery_id)
    if delivery is None:
        raise ApiError("export.delivery_not_found")
    if delivery.state != "dead":
        raise ApiError("export.not_dead", current_state=delivery.state)
    attempts = delivery.attempts
    delivery.state, delivery.dead_at, delivery.attempts = "pending", None, 0
    delivery.next_attempt_at = utcnow()
    db.session.flush()
    record_event("export.delivery_replayed", actor=actor, object_type="export_delivery",
                 object_id=delivery.id, details={"endpoint": delivery.endpoint.name,
                                                 "event_id": delivery.event_id, "seq": delivery.seq,
                                                 "attempts_before": attempts})
    return delivery
