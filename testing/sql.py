"""The SQL statements the app runs during a block, as the database driver receives them."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from server.extensions import db


@contextmanager
def statements_run():
    """Yields a list that fills with (statement, parameters) for each statement the app's engine
    sends meanwhile, from any session or thread."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
