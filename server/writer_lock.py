"""A fair queue for SQLite writers.

SQLite lets one writer in at a time and makes the others poll (the busy handler sleeps 1 ms, then
up to 100 ms, between tries), so under load a waiting writer can lose to newcomers again and again:
seconds of tail latency, or "database is locked" at the timeout. Instead, writers wait here, in a
queue: a thread lock within the process (its waiters sleep in the kernel, woken in turn), then
`flock` on a file beside the database across gunicorn's processes (one waiter per process). A dead
process's flock is released by the OS, so a crash never leaves the lock held.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()


class DatabaseLocked(sqlite3.OperationalError):
    """No turn to write came within the busy timeout (the same error SQLite itself would raise)."""


class WriterLock:
    """One per database file and process: a thread lock, then an exclusive flock."""

    def __init__(self, path: str):
        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise DatabaseLocked("database is locked (no turn to write within the busy timeout)")
        try:
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseLocked("database is locked (another process holds the writer lock)") from None
                    time.sleep(0.001)  # another process writes: one waiter per process polls, briefly
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


def lock_for(database_path: str) -> WriterLock:
    with _locks_guard:
        lock = _locks.get(database_path)
        if lock is None:
            lock = _locks[database_path] = WriterLock(database_path + "-writer.lock")
        return lock


class QueuedWriterConnection(sqlite3.Connection):
    """An SQLite connection whose write transactions take their turn from the writer lock and
    give it back when they commit, roll back or close."""

    writer_lock: WriterLock | None = None
    _holding = False

    def begin_write(self, timeout: float) -> None:
        if self.writer_lock is not None and not self._holding:
            self.writer_lock.acquire(timeout)
            self._holding = True

    def _give_back(self) -> None:
        """Release the writer lock if this connection holds it."""
        if self._holding:
            self._holding = False
            self.writer_lock.release()

    def commit(self):
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self):
        try:
            super().close()
        finally:
            self._give_back()
