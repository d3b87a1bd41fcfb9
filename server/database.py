"""Database behaviour that FieldCase relies on, on SQLite and PostgreSQL alike, and the modes
in which a request uses the database (READER, WRITER, WRITER_AFTER_CHECKS, STEPS below).

Transactions that will write are serialised on both: `BEGIN IMMEDIATE` on SQLite, an advisory
lock taken at BEGIN on PostgreSQL.

SQLite: WAL journal, foreign keys on, a busy timeout, `synchronous=FULL` so that an acknowledged
write survives a power cut, and `BEGIN IMMEDIATE` for transactions that will write, so that two
writers never fail with "database is locked" half-way through; writers wait for their turn in a
fair queue (server/writer_lock.py) rather than on SQLite's polling busy handler.
"""
from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timezone
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from .extensions import db
from .writer_lock import QueuedWriterConnection, lock_for

SQLITE_BUSY_TIMEOUT_MS = 30_000

# How a request uses the database: one mode per view, declared with @db_mode(...) right under
# the route decorator; a view that declares none gets its method's default. app.py begins the
# request's transaction as the mode says and owns its commit: once, after the view, when the
# answer is a success, so that the answer leaves only once its data and audit entries are
# durable (synchronous=FULL on SQLite). tests/test_transaction_modes.py lists every write route.
READER = "reader"
"""Default for GET, HEAD and OPTIONS: a plain BEGIN, no writer's turn, nothing committed."""
WRITER = "writer"
"""Default for every other method: the writer's turn from the first statement, one commit at the
end. A GET that writes (it audits a download, signs a checkpoint) declares it."""
WRITER_AFTER_CHECKS = "writer_after_checks"
"""Reads and checks first as a reader, so that costly checks of several requests run at once,
then calls start_writing() to take the writer's turn; one commit at the end, as a writer."""
STEPS = "steps"
"""The tus endpoints: a transaction per step, each ended by commit(), so that no one holds the
writer's turn while a body streams or while waiting for an upload's lock, and so that a step is
durable before the file it covers moves. Begins as its method's default; the request commits
the last step when the method writes."""
MODES = (READER, WRITER, WRITER_AFTER_CHECKS, STEPS)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# True while the current unit of work will write: its SQLite transactions begin IMMEDIATE.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def db_mode(mode: str):
    """Declare how a view uses the database (one of MODES, see above)."""
    if mode not in MODES:
        raise ValueError(f"unknown database mode {mode!r}: one of {MODES}")

    def declare(view):
        view.db_mode = mode
        return view
    return declare


def mode_of(view, method: str) -> str:
    """The mode a request to `view` with `method` runs in: the declared one or the default."""
    declared = getattr(view, "db_mode", None)
    if declared is not None:
        return declared
    return READER if method in SAFE_METHODS else WRITER


def begins_writing(mode: str, method: str) -> bool:
    """Whether the request's first transaction takes the writer's turn at BEGIN."""
    return mode == WRITER or (mode == STEPS and method not in SAFE_METHODS)


def commits_at_end(mode: str, method: str) -> bool:
    """Whether the request commits after its view (on a success only)."""
    return mode in (WRITER, WRITER_AFTER_CHECKS) or (mode == STEPS and method not in SAFE_METHODS)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


@contextmanager
def write_intent(value: bool = True):
    """Run a block as a writer (True) or a reader (False), whatever the request's mode."""
    token = _write_intent.set(value)
    try:
        yield
    finally:
        _write_intent.reset(token)


def commit(*, keep_loaded: bool = False) -> None:
    """The one commit on a request's path: the request's own at its end (app.py), and the end of
    a step in mode STEPS, of a check phase (start_writing) or of a kept refusal
    (commit_then_raise). Durable when it returns. `keep_loaded` keeps loaded objects usable
    without loading them again."""
    session = db.session()
    if not keep_loaded:
        session.commit()
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def start_writing() -> None:
    """In mode WRITER_AFTER_CHECKS: end the checks' read transaction (it wrote nothing), keeping
    what it loaded, and take the writer's turn for the rest of the request. What may have changed
    meanwhile must be read again in the writer's turn."""
    commit(keep_loaded=True)
    _write_intent.set(True)


def commit_then_raise(error: BaseException, *, then: Callable[[], None] | None = None) -> NoReturn:
    """Keep what this transaction recorded (a refused login or upload and its audit entry), run
    `then` (e.g. remove a refused upload's partial file, once the refusal is durable), then answer
    with `error`: the request's own commit happens only on success."""
    commit()
    if then is not None:
        then()
    raise error from None


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    if isinstance(dbapi_connection, QueuedWriterConnection):
        path = dbapi_connection.execute("PRAGMA database_list").fetchone()[2]
        if path:  # a file, not an in-memory database
            dbapi_connection.writer_lock = lock_for(path)
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


# Writers queue on this transaction-scoped advisory lock on PostgreSQL, as they do on SQLite's
# write lock: the audit log is one total order, so writes serialise at its end anyway, and taking
# the lock first (before any row lock) means two writers can never deadlock on each other.
WRITER_LOCK_KEY = 6962


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name == "sqlite":
        if not _write_intent.get():
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, QueuedWriterConnection):
            dbapi_connection.begin_write(SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            if isinstance(dbapi_connection, QueuedWriterConnection):
                dbapi_connection._give_back()
            raise
    elif conn.dialect.name == "postgresql" and _write_intent.get():
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
        conn.info[_WRITER_LOCKED] = True


_WRITER_LOCKED = "fieldcase_writer_locked"  # in Connection.info while the transaction holds it


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _on_end(conn):
    conn.info.pop(_WRITER_LOCKED, None)


@event.listens_for(sa.pool.Pool, "checkin")
def _on_checkin(dbapi_connection, connection_record):
    connection_record.info.pop(_WRITER_LOCKED, None)  # however its transaction ended


def holds_writer_lock(conn) -> bool:
    """Whether this PostgreSQL connection's transaction took the writer's lock at its BEGIN."""
    return conn.info.get(_WRITER_LOCKED, False)


def engine_options(url: str) -> dict:
    """Engine options suited to the database behind `url`."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False,
                                 "factory": QueuedWriterConnection}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime stored in UTC; naive values are refused, never guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: FieldCase stores times with their time zone")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")

