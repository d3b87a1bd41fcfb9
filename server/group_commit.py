"""Group commit of SQLite sync writes: a process's syncs that wait for the writer's turn at the
same time share one transaction and one commit.

On SQLite one writer's turn (server/writer_lock.py) is what every sync queues for, and a turn
costs more than its inserts: BEGIN IMMEDIATE, the commit and its fsync, and the holder's waits
for a core between statements (README, Performance). Here the syncs of one process queued for
the turn are written one after another on one connection, in one transaction, each in a
savepoint of its own, and committed once, by the last of them. A sync answers only once that
commit has returned (or fails with it): what it answered `created` is durable, as before.

One failing write is rolled back to its savepoint and fails that sync alone. A failed commit
fails every sync of the group, none of them answered `created`: the phones send them again
(idempotent by UUID).

The write runs in the sync's own thread, with its own request context (client address, logger),
but with `db.session` standing for a session on the group's connection: objects loaded by the
request's own session are not that session's (read them again there, as `checks.recheck` does).
PostgreSQL runs writers side by side and needs none of this; nor does an in-memory database.
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .database import SQLITE_BUSY_TIMEOUT_MS, write_intent
from .extensions import db
from .writer_lock import DatabaseLocked, QueuedWriterConnection

T = TypeVar("T")

MAX_MEMBERS = 32
MAX_OPEN_S = 0.05
"""A group takes no more writes once it has this many, or has held the writer's turn this long:
its first write waits a bounded time for the commit, and other processes for the turn."""

_ORPHAN_CHECK_S = 0.5
"""How often a write waiting for its group's commit checks that someone will make it."""


class GroupCommitFailed(RuntimeError):
    """The commit of a group of writes failed: none of them is stored."""


class _Group:
    """One open write transaction and the writes in it."""

    def __init__(self, connection: sa.Connection, transaction: sa.RootTransaction):
        self.connection, self.transaction = connection, transaction
        self.raw = connection.connection.dbapi_connection  # the turn's holder (server/writer_lock.py)
        self.members = 0
        self.opened = time.monotonic()
        self.broken: BaseException | None = None  # a write that could not be undone: roll back all
        self.error: BaseException | None = None  # why the group's commit failed
        self.done = threading.Event()

    def take_over(self) -> None:
        if isinstance(self.raw, QueuedWriterConnection):
            self.raw.take_over()

    def hand_over(self) -> None:
        if isinstance(self.raw, QueuedWriterConnection):
            self.raw.hand_over()


class GroupCommit:
    """The group commit of one engine in one process."""

    def __init__(self, engine: Engine, max_members: int = MAX_MEMBERS, max_open_s: float = MAX_OPEN_S):
        self._engine = engine
        self.max_members, self.max_open_s = max_members, max_open_s
        self._turn = threading.Lock()  # one write at a time on the group's connection
        self._count_lock = threading.Lock()
        self._queued = 0  # threads waiting for _turn: when none are, the write ending commits
        self._group: _Group | None = None  # touched only while holding _turn
        self.commits = 0  # how many groups were committed (tests, benchmarks)

    def run(self, write: Callable[[], T]) -> T:
        """Run `write` (which uses `db.session`) in the open group, or open one; return its result
        once the group's commit has returned. Raises what `write` raised (its work undone), or
        GroupCommitFailed."""
        with self._count_lock:
            self._queued += 1
        try:
            got = self._turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        finally:
            with self._count_lock:
                self._queued -= 1
        if not got:
            raise DatabaseLocked("database is locked (no turn to write within the busy timeout)")
        try:
            group = self._group
            if group is None:
                group = self._group = self._open()
            else:
                group.take_over()
            group.members += 1
            result, failure = self._write_in(group, write)
            with self._count_lock:
                last = (self._queued == 0 or group.members >= self.max_members
                        or time.monotonic() - group.opened > self.max_open_s)
            if last:
                self._close(group)
            else:
                group.hand_over()
        finally:
            self._turn.release()
        if not last:
            self._wait_for(group)
        if failure is not None:
            raise failure
        if group.error is not None:
            raise GroupCommitFailed("the group's commit failed: nothing of it is stored") from group.error
        return result

    def _open(self) -> _Group:
        connection = self._engine.connect()
        try:
            with write_intent(True):  # BEGIN IMMEDIATE: the database's writer's turn
                transaction = connection.begin()
        except BaseException:
            connection.close()
            raise
        return _Group(connection, transaction)

    def _write_in(self, group: _Group, write: Callable[[], T]) -> tuple[T | None, BaseException | None]:
        """Run `write` in a savepoint of the group's transaction, `db.session` standing for a
        session on it; (its result, None) or (None, what it raised, its work rolled back)."""
        if group.broken is not None:
            return None, GroupCommitFailed("an earlier write of the group could not be undone")
        session = sa.orm.Session(bind=group.connection, join_transaction_mode="create_savepoint",
                                 expire_on_commit=False)
        registry = db.session.registry
        own = registry()
        registry.set(session)
        try:
            result = write()
            session.commit()  # RELEASE SAVEPOINT: kept, committed with the group
            return result, None
        except Exception as error:  # noqa: BLE001 - handed back to the write's own thread
            try:
                session.rollback()  # ROLLBACK TO SAVEPOINT: nothing of this write stays
            except Exception as undo:  # noqa: BLE001
                group.broken = undo
            return None, error
        except BaseException as error:
            group.broken = error  # interrupted half-way: the group cannot be committed
            raise
        finally:
            session.close()
            registry.set(own)

    def _close(self, group: _Group) -> None:
        """Commit the group (roll it back if broken) and wake its writes; holding _turn."""
        self._group = None
        try:
            if group.broken is not None:
                group.error = group.broken
                group.transaction.rollback()
            else:
                group.transaction.commit()  # durable when it returns (synchronous=FULL)
                self.commits += 1
        except BaseException as error:
            group.error = group.error or error
            if not isinstance(error, Exception):
                raise
        finally:
            try:
                group.connection.close()  # rolls back what was not committed; the turn is given back
            finally:
                group.done.set()

    def _wait_for(self, group: _Group) -> None:
        """Wait for the group's commit. A write that decided not to commit saw another queued,
        which commits in its turn; should that one give up waiting (busy timeout), this one
        commits the group itself."""
        while not group.done.wait(_ORPHAN_CHECK_S):
            with self._turn:
                with self._count_lock:
                    orphaned = self._group is group and self._queued == 0
                if orphaned:
                    group.take_over()
                    self._close(group)


_groups: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()
_groups_guard = threading.Lock()


def group_for(engine: Engine) -> GroupCommit | None:
    """The group commit of `engine` in this process, or None where it does not apply (not
    SQLite, or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    with _groups_guard:
        group = _groups.get(engine)
        if group is None:
            group = _groups[engine] = GroupCommit(engine)
        return group
