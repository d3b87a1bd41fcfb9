"""Keyset pagination of inspections, newest received first: an opaque cursor, never OFFSET, so a
page stays right while records keep arriving."""
from __future__ import annotations

import base64
import json
import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa

from ..errors import ApiError
from .models import Inspection


def encode_cursor(inspection: Inspection) -> str:
    raw = json.dumps([inspection.received_at.isoformat(), str(inspection.uuid)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuidlib.UUID]:
    try:
        received, uuid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(received), uuidlib.UUID(uuid)
    except (ValueError, TypeError, AttributeError, RecursionError):  # any hostile cursor
        raise ApiError("sync.invalid_cursor") from None


def newest_first(stmt, cursor: str | None, limit: int):
    """`stmt` ordered newest received first, after `cursor`, with one row more than a page so
    that `next_cursor` can tell whether another page follows."""
    if cursor:
        received, uuid = _decode_cursor(cursor)
        stmt = stmt.where(sa.or_(Inspection.received_at < received,
                                 sa.and_(Inspection.received_at == received, Inspection.uuid < uuid)))
    return stmt.order_by(Inspection.received_at.desc(), Inspection.uuid.desc()).limit(limit + 1)


def next_cursor(inspections: list[Inspection], limit: int) -> str | None:
    """The cursor of the page after these rows (fetched with `newest_first`), or None."""
    return encode_cursor(inspections[limit - 1]) if len(inspections) > limit else None
