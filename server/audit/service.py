"""Writing to the audit log: `record_event` appends one entry inside the caller's transaction."""
from __future__ import annotations

import contextvars
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..clock import utcnow
from ..database import WRITER_LOCK_KEY, holds_writer_lock
from ..extensions import db
from . import merkle
from .canonical import ENTRY_FIELDS
from .fast_canonical import canonical_bytes, canonical_text
from .models import AuditEntry

# The client address of the request being served, set by the app for each request.
client_address_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "client_address", default=None)


_CONTENT_FIELDS = ("seq", "actor_id", "actor_username", "action", "object_type", "object_id",
                   "client_address")


def entry_fields(entry: AuditEntry) -> dict:
    """The fields an entry's hash covers, as JSON values (times as ISO 8601 text)."""
    return {**{name: getattr(entry, name) for name in _CONTENT_FIELDS},
            "recorded_at": entry.recorded_at.isoformat(), "details": json.loads(entry.details)}


def entry_content(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every field, as canonical JSON (see canonical.py)."""
    fields = entry_fields(entry)
    return canonical_bytes({name: fields[name] for name in ENTRY_FIELDS})


def _content(fields: dict, recorded_at: datetime, details) -> bytes:
    # The append's hot path: the same canonical form as entry_bytes, without re-selecting fields.
    return canonical_bytes({**fields, "recorded_at": recorded_at.isoformat(), "details": details})


def _lock_log() -> None:
    """Serialise appends so that sequence numbers are gapless and commit in order.

    Write transactions already hold the writer lock from their BEGIN (server/database.py); taking
    it again is free, and covers a transaction that began as a read.
    """
    if db.session.get_bind().dialect.name == "postgresql" and not holds_writer_lock(db.session.connection()):
        db.session.execute(sa.text(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})"))


def _next_seq() -> int:
    _lock_log()
    db.session.flush()  # entries added before, in this transaction, count
    last = db.session.execute(sa.select(sa.func.max(AuditEntry.seq))).scalar()
    return (last or 0) + 1


def _entry_values(seq: int, action: str, actor, object_type, object_id, details,
                  client_address, actor_username) -> dict:
    """The column values of a new entry, its leaf hash computed over them."""
    fields = {
        "seq": seq,
        "actor_id": getattr(actor, "id", None),
        "actor_username": getattr(actor, "username", None) or actor_username,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "client_address": client_address or client_address_var.get(),
    }
    recorded_at = utcnow()
    # Round-trip the details through JSON so that the hash covers exactly what is stored.
    details_text = canonical_text(details or {})
    leaf = merkle.leaf_hash(_content(fields, recorded_at, json.loads(details_text)))
    return {**fields, "recorded_at": recorded_at, "details": details_text, "entry_hash": leaf.hex()}


def migration_entry(seq: int, action: str, details: dict) -> dict:
    """The column values of entry `seq` written by a data migration (no session, no actor): a
    migration that vouches for rows it did not create (e.g. 0022's certificates)."""
    return _entry_values(seq, action, None, None, None, details, None, "migration")


def record_event(action: str, *, actor=None, object_type: str | None = None,
                 object_id: Any = None, details: dict | None = None,
                 client_address: str | None = None, actor_username: str | None = None) -> AuditEntry:
    """Append an event to the log within the current transaction (committed with it)."""
    entry = AuditEntry(**_entry_values(_next_seq(), action, actor, object_type, object_id, details,
                                       client_address, actor_username))
    db.session.add(entry)
    db.session.flush()
    return entry


def record_events(events: list[dict], *, actor=None) -> None:
    """Append many events at once (a sync batch): one sequence look-up, one bulk insert.
    Each event is a dict of record_event's keyword arguments plus `action`."""
    if not events:
        return
    seq = _next_seq()
    db.session.execute(AuditEntry.__table__.insert(), [
        _entry_values(seq + i, e["action"], e.get("actor", actor), e.get("object_type"),
                      e.get("object_id"), e.get("details"), e.get("client_address"),
                      e.get("actor_username")) for i, e in enumerate(events)])
