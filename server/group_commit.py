"""Group commit of SQLite sync writes: a process's syncs that wait for the writer's turn at the
same time share one transaction and one commit.

On SQLite one writer's turn (server/writer_lock.py) is what every sync queues for, and a turn
costs more than its inserts: BEGIN IMMEDIATE, the commit and its fsync, and the holder's waits
for a core between statements (README, Performance). Here a sync ready to write joins its
process's queue. The first in the queue leads: it takes the turn, then runs the queued writes one
after another on one connection, in one transaction, each in a savepoint of its own, taking in
the writes that arrive meanwhile, and commits once. Every sync of the group answers only once
that commit has returned (or fails with it): what it answered `created` is durable, as before.
The leader then hands the lead to the first sync still queued.

One failing write is rolled back to its savepoint and fails that sync alone. A failed commit
fails every sync of the group, none of them answered `created`: the phones send them again
(idempotent by UUID).

The leader runs each write in that sync's own context (a copy of its context variables: its
request, app context and client address), with `db.session` standing for a session on the
group's connection: objects loaded by the request's own session are not that session's (read
them again there, as `checks.recheck` does). Running them in the leader's thread, rather than
waking each sync's thread in turn, saves a thread switch per write while the turn is held.
PostgreSQL runs writers side by side and needs none of this; nor does an in-memory database.
"""
from __future__ import annotations

import contextvars
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .database import write_intent
from .extensions import db

MAX_MEMBERS = 32
MAX_OPEN_S = 0.05
"""A group takes no more writes once it has this many, or has held the writer's turn this long:
its first write waits a bounded time for the commit, and other processes for the turn."""


class GroupCommitFailed(RuntimeError):
    """The commit of a group of writes failed: none of them is stored."""


class _Write:
    """A sync's write, queued: what to run, in which context, and how it ended."""

    __slots__ = ("write", "context", "result", "error", "finished", "woken")

    def __init__(self, write: Callable[[], Any]):
        self.write, self.context = write, contextvars.copy_context()
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False  # False when woken: lead the next group
        self.woken = threading.Event()


class GroupCommit:
    """The group commit of one engine in one process."""

    def __init__(self, engine: Engine, max_members: int = MAX_MEMBERS, max_open_s: float = MAX_OPEN_S):
        self._engine = engine
        self.max_members, self.max_open_s = max_members, max_open_s
        self._lock = threading.Lock()  # guards the two below
        self._queue: deque[_Write] = deque()
        self._leading = False  # a thread leads a group (waits for the turn, or writes)
        self.commits = 0  # how many groups were committed (tests, benchmarks)

    def run(self, write: Callable[[], Any]) -> Any:
        """Run `write` (which uses `db.session`) in a group's transaction; return its result once
        the group's commit has returned. Raises what `write` raised (its work undone), or
        GroupCommitFailed (nothing of the group stored: the commit failed, or no turn came).
        `write` begins in a savepoint of its own: `db.session.rollback()` undoes what it wrote so
        far, and its next statement begins a new savepoint."""
        mine = _Write(write)
        with self._lock:
            self._queue.append(mine)
            lead, self._leading = not self._leading, True
        if not lead:
            mine.woken.wait()
        if not mine.finished:  # first in line: lead a group (it takes this write first)
            self._lead()
        if mine.error is not None:
            raise mine.error
        return mine.result

    def queued(self) -> int:
        """Writes waiting to be run (tests)."""
        with self._lock:
            return len(self._queue)

    def _lead(self) -> None:
        group: list[_Write] = []
        try:
            self._run_group(group)
        finally:
            for member in group:
                member.finished = True
                member.woken.set()
            with self._lock:  # hand the lead to the first still queued, if any
                if self._queue:
                    self._queue[0].woken.set()
                else:
                    self._leading = False

    def _run_group(self, group: list[_Write]) -> None:
        """Take the turn, run queued writes until the queue is empty or the group full, commit;
        each member's outcome in its _Write."""
        try:
            connection = self._engine.connect()
            try:
                with write_intent(True):  # BEGIN IMMEDIATE: the database's writer's turn
                    transaction = connection.begin()
            except BaseException:
                connection.close()
                raise
        except BaseException as error:  # no turn came: every write waiting for it fails
            with self._lock:
                group.extend(self._queue)
                self._queue.clear()
            _fail(group, f"no turn to write came: {error}", error)
            if not isinstance(error, Exception):
                raise
            return
        opened, committed = time.monotonic(), False
        failure: BaseException | None = None
        try:
            while len(group) < self.max_members and (not group or time.monotonic() - opened <= self.max_open_s):
                with self._lock:
                    if not self._queue:
                        break
                    member = self._queue.popleft()
                group.append(member)
                failure = member.context.run(self._write_in, connection, member)
                if failure is not None:  # a savepoint could not be undone: roll back the group
                    break
            if failure is None:
                transaction.commit()  # durable when it returns (synchronous=FULL)
                committed = True
                self.commits += 1
        except BaseException as error:
            failure = error
            if not isinstance(error, Exception):
                raise
        finally:
            connection.close()  # rolls back what was not committed; the turn is given back
            if not committed:  # no write of the group may be answered as stored
                _fail([m for m in group if m.error is None],
                      "the group's commit failed: nothing of it is stored", failure)

    @staticmethod
    def _write_in(connection: sa.Connection, member: _Write) -> BaseException | None:
        """In the member's context: run its write in a savepoint of the group's transaction,
        `db.session` standing for a session on it. Its outcome goes in `member`; returns what
        broke the group's transaction (a savepoint that could not be rolled back), if anything."""
        session = sa.orm.Session(bind=connection, join_transaction_mode="create_savepoint",
                                 expire_on_commit=False)
        registry = db.session.registry
        own = registry()
        registry.set(session)
        try:
            member.result = member.write()
            session.commit()  # RELEASE SAVEPOINT: kept, committed with the group
            return None
        except Exception as error:  # noqa: BLE001 - raised again in the member's own thread
            member.error = error
            try:
                session.rollback()  # ROLLBACK TO SAVEPOINT: nothing of this write stays
            except Exception as undo:  # noqa: BLE001
                return undo
            return None
        finally:
            session.close()
            registry.set(own)


def _fail(members: list[_Write], message: str, cause: BaseException | None) -> None:
    """Fail `members`, each with an error of its own (one exception object must not be raised in
    several threads at once)."""
    for member in members:
        member.result, member.error = None, GroupCommitFailed(message)
        member.error.__cause__ = cause


_groups: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()
_groups_guard = threading.Lock()


def group_for(engine: Engine) -> GroupCommit | None:
    """The group commit of `engine` in this process, or None where it does not apply (not
    SQLite, or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    group = _groups.get(engine)  # every sync asks: no lock once made
    if group is None:
        with _groups_guard:
            group = _groups.get(engine)
            if group is None:
                group = _groups[engine] = GroupCommit(engine)
    return group
