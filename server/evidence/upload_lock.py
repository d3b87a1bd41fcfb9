"""The lock every app server honours around one upload's bytes (issue 21: tus across servers).

On PostgreSQL a session-level advisory lock, keyed by the upload, held on a connection of its own
for as long as the request writes: a PATCH through server B is refused while server A appends,
and the lock goes with A's connection when A dies (PostgreSQL ends the session). On SQLite (one
machine by nature) there is nothing to add: the partial file's flock is the lock.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from ..database import write_intent
from ..extensions import db

# The advisory lock's first key: upload locks (two keys) never collide with the audit log's
# lock (one key, server/audit/sequencer.py).
UPLOAD_LOCK_CLASS = 6963


def lock_key(upload_id: str) -> int:
    """A signed 32-bit key from an upload id (32 hex digits); a rare collision only makes two
    uploads wait for each other, never share bytes."""
    return int(upload_id[:8], 16) - 2**31


@contextmanager
def cluster_lock(upload_id: str, deadline: float):
    """Hold the upload's lock across servers until the block ends; False from `__enter__`
    (yielded) when another server still held it at `deadline` (time.monotonic)."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with write_intent(False), db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        args = {"c": UPLOAD_LOCK_CLASS, "k": lock_key(upload_id)}
        while not conn.exec_driver_sql("SELECT pg_try_advisory_lock(%(c)s, %(k)s)", args).scalar():
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(0.05)
        try:
            yield True
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(%(c)s, %(k)s)", args)
