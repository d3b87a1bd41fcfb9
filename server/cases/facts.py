"""Column values as the audit log states them (JSON: dates and UUIDs as text, times in UTC)."""
from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime, timezone


def plain(value):
    """A column value as JSON holds it."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuidlib.UUID):
        return str(value)
    return value


def facts_of(row, columns) -> dict:
    """{column: plain value} of `row` for `columns`."""
    return {name: plain(getattr(row, name)) for name in columns}
