"""The SQL statements the app runs during a block, as the database driver receives them."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import sqlalchemy as sa

from server.extensions import db


@contextmanager
def statements_run(*, this_thread_only: bool = False):
    """Yields a list that fills with (statement, parameters) for each statement the app's engine
    sends meanwhile, from any session or thread (only this thread's: a test client's request,
    not the background threads it wakes)."""
    seen, me = [], threading.get_ident()

    def note(conn, cursor, statement, parameters, context, executemany):
        if not this_thread_only or threading.get_ident() == me:
            seen.append((statement, parameters))
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
