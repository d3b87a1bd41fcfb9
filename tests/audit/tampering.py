"""Changing the database behind the triggers' back, as someone with the database file would:
every trigger FieldCase created is dropped (SQLite) or disabled (PostgreSQL) first."""
from __future__ import annotations

import sqlalchemy as sa

from server.extensions import db


def drop_triggers() -> None:
    if db.engine.dialect.name == "sqlite":
        names = db.session.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
        for name in names:
            db.session.execute(sa.text(f'DROP TRIGGER IF EXISTS "{name}"'))
    else:
        # Tables only (a view's INSTEAD OF trigger cannot be disabled).
        tables = db.session.execute(sa.text(
            "SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relkind IN ('r', 'p')")).scalars().all()
        for table in tables:
            db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


def tamper(statement, **params) -> None:
    """Run one statement with every trigger out of the way, and commit it."""
    drop_triggers()
    db.session.execute(sa.text(statement) if isinstance(statement, str) else statement, params)
    db.session.commit()
    db.session.expunge_all()
