"""The audit log's sequencer: the one serialised section of writing on PostgreSQL.

A write request queues its entries (`audit_queue`, one INSERT, durable with its commit). Right
after a commit that queued entries, the sequencer runs in a short transaction of its own, on its
own connection, before the answer leaves: it takes the log's lock, gives every committed queued
entry (its own and any other's) the next positions, computes their leaf hashes, inserts them
into `audit_entries` and deletes them from the queue, and commits. A signed checkpoint sequences
the queue first, and `flask audit sequence` catches up after a worker that died between its
commit and its sequencing. On SQLite, one writer at a time by nature, entries are sequenced in
the writer's own transaction and the queue stays empty.

Each queued row carries an HMAC of its content under a key derived from the signing key: a row
edited or copied by someone who holds the database but not the server's key is refused here
(left in the queue, logged) and named by `audit verify`.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time

import sqlalchemy as sa
from flask import current_app

from ..driver_insert import insert_rows
from ..extensions import db
from .fast_canonical import canonical_bytes
from .models import AuditEntry, AuditQueued

log = logging.getLogger(__name__)

# The PostgreSQL advisory lock (transaction-scoped) that sequencing takes: positions are gapless
# and each batch commits before the next one reads the log's end.
LOG_LOCK_KEY = 6962
BATCH = 5000
_LOCKED = "fieldcase_log_locked"  # in Connection.info while its transaction holds the lock
_QUEUED = "audit_queued"  # in Session.info while its transaction queued entries

_CONTENT = ("recorded_at", "actor_id", "actor_username", "action", "object_type", "object_id",
            "client_address", "details")


def queue_key() -> bytes:
    """The HMAC key of queued rows, derived from the signing key."""
    from .signing import derived_key
    return derived_key("fieldcase-audit-queue/v1")


def queue_mac(values: dict, key: bytes) -> str:
    """The HMAC of a queued row: its content fields and its nonce, canonical JSON."""
    content = {name: values[name] for name in _CONTENT}
    content["recorded_at"] = content["recorded_at"].isoformat()
    content["nonce"] = values["nonce"]
    return hmac.new(key, canonical_bytes(content), hashlib.sha256).hexdigest()


def seal(values: dict, key: bytes) -> dict:
    """A queue row's values: the entry's content, a fresh nonce and their HMAC."""
    sealed = {**values, "nonce": os.urandom(16).hex()}
    sealed["mac"] = queue_mac(sealed, key)
    return sealed


def is_postgresql(session=None) -> bool:
    return (session or db.session).get_bind().dialect.name == "postgresql"


def lock_log(session=None) -> None:
    """Take the log's lock for the rest of this transaction (PostgreSQL; on SQLite the writer
    already holds the database's one write lock)."""
    session = session or db.session
    if not is_postgresql(session):
        return
    conn = session.connection()
    if not conn.info.get(_LOCKED):
        session.execute(sa.text(f"SELECT pg_advisory_xact_lock({LOG_LOCK_KEY})"))
        conn.info[_LOCKED] = True


def log_end():
    """The log's last position (0 when empty), as a subquery: read alone here, or with another
    statement (a sync's INSERT … RETURNING, SQLite, in the writer's turn) and passed on as
    append_entries' `last`."""
    return sa.select(sa.func.coalesce(sa.func.max(AuditEntry.seq), 0)).scalar_subquery()


def append_entries(values: list[dict], session=None, *, last=None, details_canonical: bool = False) -> int:
    """Under the log's lock, in this transaction: give `values` (entries' content) the next
    positions after `last` (read here if None) and their leaf hashes and insert them (one
    INSERT, no ORM object: on SQLite through the driver, server/driver_insert.py). Returns the
    position of the first. `details_canonical`: every value's details text was made by
    service._event_values (canonical JSON), so its leaf hash may splice that text in."""
    from .service import leaf_values

    session = session or db.session
    lock_log(session)
    session.flush()  # entries added before, in this transaction, count
    if last is None:
        last = session.execute(sa.select(log_end())).scalar()
    insert_rows(session, AuditEntry.__table__, [leaf_values(last + i, v, details_canonical=details_canonical)
                                                for i, v in enumerate(values, start=1)])
    return last + 1


def sequence_queue(session=None, limit: int = BATCH) -> int:
    """In this transaction, under the log's lock: move up to `limit` queued entries (every
    committed one, and this transaction's own) into the log, oldest first. Returns how many."""
    session = session or db.session
    if not is_postgresql(session):
        return 0
    lock_log(session)
    session.flush()
    table = AuditQueued.__table__
    queued = session.execute(sa.select(table, log_end().label("log_end"))
                             .order_by(table.c.id).limit(limit)).mappings().all()
    if not queued:
        return 0
    key = queue_key()
    good = [row for row in queued if hmac.compare_digest(queue_mac(row, key), row["mac"])]
    if len(good) < len(queued):
        log.error("audit queue rows %s do not match their MAC: left in the queue",
                  sorted({row["id"] for row in queued} - {row["id"] for row in good}))
    if good:
        append_entries([{name: row[name] for name in _CONTENT} for row in good], session,
                       last=queued[0]["log_end"])
        session.execute(table.delete().where(table.c.id.in_([row["id"] for row in good])))
    return len(good)


def sequence_pending(engine=None) -> int:
    """Sequence every committed queued entry, a batch per short transaction on a connection of
    its own (after a commit, and from `flask audit sequence`). Returns how many were moved."""
    engine = engine or db.engine
    moved = 0
    while True:
        started = time.perf_counter()
        with sa.orm.Session(engine) as session:
            lock_log(session)
            locked = time.perf_counter()
            count = sequence_queue(session)
            session.commit()
        _note_timing(locked - started, time.perf_counter() - locked, count)
        moved += count
        if count < BATCH:
            return moved


def _note_timing(waited: float, held: float, count: int) -> None:
    path = current_app.config.get("AUDIT_SEQUENCER_TIMINGS")
    if path:
        with open(path, "a") as out:  # one short line, appended whole
            out.write(f"{waited * 1000:.3f} {held * 1000:.3f} {count}\n")


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _sequence_after_commit(session) -> None:
    # Fired for a savepoint's release too: only the outermost commit makes the queue durable.
    if session.get_nested_transaction() is not None or not session.info.pop(_QUEUED, False):
        return
    try:
        sequence_pending(session.get_bind())
    except Exception:  # noqa: BLE001 - the entries are durable in the queue: the next run moves them
        log.exception("audit sequencing after commit failed: the entries wait in the queue")


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget_queued(session) -> None:
    if session.get_nested_transaction() is None:  # a savepoint's rollback keeps what came before
        session.info.pop(_QUEUED, None)


@sa.event.listens_for(sa.engine.Engine, "commit")
@sa.event.listens_for(sa.engine.Engine, "rollback")
def _unlocked(conn) -> None:
    conn.info.pop(_LOCKED, None)


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _checked_in(dbapi_connection, connection_record) -> None:
    connection_record.info.pop(_LOCKED, None)


def mark_queued(session=None) -> None:
    (session or db.session).info[_QUEUED] = True
