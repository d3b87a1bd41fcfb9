"""Database behaviour that FieldCase relies on, on SQLite and PostgreSQL alike.

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
from contextlib import contextmanager
from datetime import timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from .writer_lock import QueuedWriterConnection, lock_for

SQLITE_BUSY_TIMEOUT_MS = 30_000

# True while the current unit of work will write: its SQLite transactions begin IMMEDIATE.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


def writes_on_read(view):
    """Mark a GET view that writes (e.g. audits a download): its transaction begins as a writer's
    and the request commits it."""
    view.writes_on_read = True
    return view


def checks_before_writing(view):
    """Mark a write view that reads and checks first, then takes the writer's turn itself (with
    set_write_intent(True)), so that costly checks of several requests run at once."""
    view.checks_before_writing = True
    return view


@contextmanager
def write_intent(value: bool = True):
    token = _write_intent.set(value)
    try:
        yield
    finally:
        _write_intent.reset(token)


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

