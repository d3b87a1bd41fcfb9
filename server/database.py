"""Database behaviour that FieldCase relies on, on SQLite and PostgreSQL alike, and the modes
in which a request uses the database (READER, WRITER, WRITER_AFTER_CHECKS, STEPS below).

SQLite is one writer at a time: transactions that will write begin `BEGIN IMMEDIATE`.

PostgreSQL runs any number of writers at once, from any number of app servers, at READ COMMITTED.
The one serialised section is the audit log's sequencing (server/audit/sequencer.py): a request
queues its entries with one INSERT in its own transaction; right after its commit, before the
answer leaves, a short transaction under an advisory lock gives every committed queued entry its
position and leaf hash. An entry so waits for its position for as long as that takes (the
lock's wait and hold per batch, bench/serialized_section.py; tens of milliseconds on a loaded
2-core machine); a worker that dies in
between leaves its entries queued until the next write anywhere, the next checkpoint (at most
AUDIT_CHECKPOINT_MINUTES while the log grows) or `flask audit sequence`. Meanwhile the row is
committed and the trail does not show the entry yet; `audit verify` counts the queue and reports
its oldest entry's age, and checks queued entries' MACs and the rows they vouch for.

The concurrency rule (what the global writer lock used to hide): a service that reads something
to decide a write must not rely on nobody else writing meanwhile. Make each such check-then-write
safe with one of, in this order of preference:
1. a unique constraint the write relies on, the loser answered as a duplicate
   (`INSERT ... ON CONFLICT DO NOTHING`, or catch the IntegrityError in a savepoint). Name no
   conflict target when the table has more than one unique index: PostgreSQL arbitrates only
   the target's, and a second copy of a row racing the first then fails on another index
   (tests/test_sync_concurrency.py);
2. `SELECT ... FOR UPDATE` (`.with_for_update()`) of the row being changed, re-reading its state
   in the same statement, before the decision (a state transition, a counter, an upload's finish);
3. `serialize_on(kind, key)` below: a transaction-scoped advisory lock on a key that has no row
   to lock yet (a device's number blocks, a number series).
Locks are taken in one order, objects before the audit log's lock, and several keys sorted, so
that two writers never deadlock. `record_event(..., sequenced=True)` takes the log's lock until
commit: do it last, after every other lock.

SQLite: WAL journal, foreign keys on, a busy timeout, `synchronous=FULL` so that an acknowledged
write survives a power cut, and `BEGIN IMMEDIATE` for transactions that will write, so that two
writers never fail with "database is locked" half-way through; writers wait for their turn in a
fair queue (server/writer_lock.py) rather than on SQLite's polling busy handler.
"""
from __future__ import annotations

import contextvars
import hashlib
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from .clock import utc_sqlite_text
from .extensions import db
from .json_text import stored_json_text
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
durable before the file it covers moves. Begins as a reader (the session's user and the upload
are looked up without the writer's turn); a step that writes takes the turn with
start_writing() or under write_intent(True); the request commits the last step when the method
writes."""
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
    return mode == WRITER


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


def commit_at_end() -> None:
    """The request's own commit at its end (app.py): `commit()`, unless the session has no
    transaction open and no change pending, as when a sync's writes were committed by its group
    (server/group_commit.py) and its read step ended before them. Then `Session.commit()` would
    only begin a transaction to end it at once, expiring what the request loaded: about 80 µs of
    CPU, 2.5 % of a one-record sync."""
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        commit()


def start_writing() -> None:
    """In mode WRITER_AFTER_CHECKS or STEPS: end the checks' read transaction (it wrote nothing),
    keeping what it loaded, and take the writer's turn for the rest of the request (from its next
    statement). What may have changed meanwhile must be read again in the writer's turn."""
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
            timings = current_app.config.get("WRITER_LOCK_TIMINGS") if has_app_context() else None
            dbapi_connection.writer_lock = lock_for(path, timings)
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def emit_savepoints_as_text(engine: Engine) -> None:
    """On SQLite, SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT go to the driver as
    text (`exec_driver_sql`, which statement listeners see as before), not as a clause that
    SQLAlchemy compiles anew each time: no cache key holds a savepoint's name. A sync takes one
    savepoint in the writer's turn for each request of a group commit (server/group_commit.py):
    33 µs for a savepoint and its release, against 63 compiled (issue 19). The name is
    SQLAlchemy's own (sa_savepoint_N), quoted as its compiler would."""
    dialect = engine.dialect
    if dialect.name != "sqlite":
        return
    quote = dialect.identifier_preparer.quote

    def emitting(sql: str):
        def emit(connection, name: str) -> None:
            connection.exec_driver_sql(f"{sql} {quote(name)}")
        return emit

    dialect.do_savepoint = emitting("SAVEPOINT")
    dialect.do_release_savepoint = emitting("RELEASE SAVEPOINT")
    dialect.do_rollback_to_savepoint = emitting("ROLLBACK TO SAVEPOINT")


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
    # PostgreSQL: a plain BEGIN for readers and writers alike (the concurrency rule above).


def serialize_on(kind: str, *keys) -> None:
    """Until this transaction ends, be the only one holding (kind, key) for each key, across
    every app server: a PostgreSQL advisory lock on a hash of each, taken in sorted order. On
    SQLite the writer already holds the database's one write lock."""
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return
    hashed = sorted({int.from_bytes(hashlib.sha256(f"{kind}\0{key}".encode()).digest()[:8], "big",
                                    signed=True) for key in keys})
    if hashed:
        session.execute(sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                        {"keys": hashed})


def engine_options(url: str) -> dict:
    """Engine options suited to the database behind `url`."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False,
                                 "factory": QueuedWriterConnection},
                "json_serializer": stored_json_text}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10, "json_serializer": stored_json_text}


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime stored in UTC; naive values are refused, never guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect):
        """On SQLite, `_sqlite_utc_text`: the text that `process_bind_param` followed by
        SQLAlchemy's own DATETIME processor writes, made in one step. A sync binds about twenty
        times per record, and the two steps cost 3 µs each, 1.4 µs as one
        (tests/test_utc_datetime.py compares the two)."""
        if dialect.name == "sqlite":
            return _sqlite_utc_text
        return super().bind_processor(dialect)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = _in_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _in_utc(value: datetime) -> datetime:
    """An aware time moved to UTC; a naive one is refused, never guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: FieldCase stores times with their time zone")
    return value.astimezone(timezone.utc)


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """A time as SQLite holds it: UTC, "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy's DATETIME
    writes it (its storage format always has six digits of microseconds, as here). An ISO text
    of UTC is 26 characters and "+00:00" for years 1 to 9999. Made from the ISO text a sync has
    made already for the record's audit facts (`clock.utc_sqlite_text`)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: FieldCase stores times with their time zone")
    return utc_sqlite_text(value)


# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")

