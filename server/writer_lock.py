"""A fair queue for SQLite writers.

SQLite lets one writer in at a time and makes the others poll (the busy handler sleeps 1 ms, then
up to 100 ms, between tries), so under load a waiting writer can lose to newcomers again and again:
seconds of tail latency, or "database is locked" at the timeout. Instead, writers wait here, in a
queue: a thread lock within the process (its waiters sleep in the kernel, woken in turn), then
`flock` on a file beside the database across gunicorn's processes (one waiter per process). A dead
process's flock is released by the OS, so a crash never leaves the lock held.

A process's waiter for the flock sleeps in the kernel too (a blocking `flock` on a helper
thread), so the OS wakes it the moment another process lets go. It used to poll every 1 ms: a
process that let go and wanted the turn again at once could take it back before the others'
sleeps ended, and their syncs waited longer: p99 of one-record syncs 155-253 ms polling against
112-143 blocking, alternated (README, Performance).

On SQLite the writer's turn is what every write of every worker queues for: under load it, not
the CPU, sets the rate (README, Performance). With WRITER_LOCK_TIMINGS set (server/config.py),
each turn notes one line in that file: milliseconds waited for it, held, and the holding thread's
CPU while it held it (bench/wrk_sync.py reads them).
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
        self.timings_fd: int | None = None  # WRITER_LOCK_TIMINGS, opened for appending
        # The wait for the flock (_take_flock), guarded by _flock_state:
        self._flock_state = threading.Condition(threading.Lock())
        self._fetching = False  # a helper thread is blocked in flock() for this process
        self._fetched = False  # it got the flock, for the writer waiting
        self._waiting = False  # a writer waits for it (the thread lock lets one at a time)
        self._fetch_error: OSError | None = None

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise DatabaseLocked("database is locked (no turn to write within the busy timeout)")
        try:
            self._take_flock(deadline)
        except BaseException:
            self._thread_lock.release()
            raise

    def _take_flock(self, deadline: float) -> None:
        """The flock, by `deadline`. Free: taken at once. Held by another process: a helper thread
        waits for it in a blocking flock() and hands it over. A writer that gives up leaves the
        helper waiting: the next writer of this process waits for that same helper (a second
        flock() on the same file description would be granted at once, held twice over), and
        if none waits when it gets the flock, the helper lets it go."""
        with self._flock_state:
            if not self._fetching:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    pass
                helper = threading.Thread(target=self._fetch, name="writer-lock-wait", daemon=True)
                try:
                    helper.start()
                except RuntimeError as error:  # no thread to be had: no turn either
                    raise DatabaseLocked(f"database is locked (no thread to wait for the writer lock: {error})") \
                        from error
                self._fetching, self._fetch_error = True, None
            self._waiting = True
            try:
                while not self._fetched:
                    if self._fetch_error is not None:
                        raise DatabaseLocked(f"database is locked (the writer lock failed: {self._fetch_error})")
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise DatabaseLocked("database is locked (another process holds the writer lock)")
                    self._flock_state.wait(remaining)
                self._fetched = False
            finally:
                self._waiting = False

    def _fetch(self) -> None:
        """The helper thread: wait in the kernel for the flock; hand it to the writer waiting, or
        let it go if that writer gave up meanwhile."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            error = None
        except OSError as failed:
            error = failed
        with self._flock_state:
            self._fetching = False
            if error is not None:
                self._fetch_error = error
            elif self._waiting:
                self._fetched = True
            else:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._flock_state.notify_all()

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


def lock_for(database_path: str, timings: str | None = None) -> WriterLock:
    """The writer lock of this database file; `timings`: a file to note each turn in."""
    with _locks_guard:
        lock = _locks.get(database_path)
        if lock is None:
            lock = _locks[database_path] = WriterLock(database_path + "-writer.lock")
        if timings and lock.timings_fd is None:
            lock.timings_fd = os.open(timings, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return lock


class QueuedWriterConnection(sqlite3.Connection):
    """An SQLite connection whose write transactions take their turn from the writer lock and
    give it back when they commit, roll back or close."""

    writer_lock: WriterLock | None = None
    _holding = False

    _asked = _got = _cpu = 0.0  # when the turn was asked for and given, CPU then (timings only)

    def begin_write(self, timeout: float) -> None:
        if self.writer_lock is not None and not self._holding:
            timed = self.writer_lock.timings_fd is not None
            if timed:
                self._asked = time.perf_counter()
            self.writer_lock.acquire(timeout)
            self._holding = True
            if timed:
                self._got, self._cpu = time.perf_counter(), time.thread_time()

    def _give_back(self) -> None:
        """Release the writer lock if this connection holds it."""
        if self._holding:
            self._holding = False
            lock = self.writer_lock
            lock.release()
            if lock.timings_fd is not None and self._got:
                held, cpu = time.perf_counter() - self._got, time.thread_time() - self._cpu
                os.write(lock.timings_fd, b"%.3f %.3f %.3f\n" % ((self._got - self._asked) * 1000,
                                                                  held * 1000, cpu * 1000))

    def commit(self):
        try:
            super().commit()
        except BaseException:
            # A refused COMMIT (a deferred constraint, a full disk) leaves the transaction open,
            # holding SQLite's write lock, and the pool would not end it: end it here, so that
            # the next writer given the turn is not refused "database is locked".
            if self.in_transaction:
                try:
                    super().rollback()
                except sqlite3.Error:
                    pass  # the connection is broken: the COMMIT's own error says more
            raise
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
