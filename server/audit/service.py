"""Writing to the audit log: `record_event` writes one entry inside the caller's transaction.

On PostgreSQL the entry is queued (one INSERT, durable with the caller's commit) and the
sequencer gives it its position right after the commit (server/audit/sequencer.py); a caller that
needs the entry's position in its own transaction (a row that names its entry's `seq`) asks for
`sequenced=True` and holds the log's lock from then until its commit. On SQLite every entry is
sequenced at once, in the writer's own transaction. Either way `record_event` answers the same
RecordedEvent: the entry's content, and its `seq` only when `sequenced=True` asked for it.
"""
from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import utcnow
from ..extensions import db
from . import merkle
from .canonical import ENTRY_FIELDS
from .fast_canonical import canonical_bytes, canonical_text
from .models import AuditEntry, AuditQueued
from .sequencer import append_entries, is_postgresql, mark_queued, queue_key, seal, sequence_queue
from .stored_leaves import spliced_content

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


def _event_values(action: str, actor, object_type, object_id, details, client_address,
                  actor_username, details_text: str | None = None) -> dict:
    """An entry's content, as stored (details as canonical JSON text): all but its position.
    `details_text`, when given, is that text made beforehand (`canonical_text(details)`)."""
    return {
        "recorded_at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor_username": getattr(actor, "username", None) or actor_username,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "client_address": client_address or client_address_var.get(),
        # Round-trip the details through JSON so that the hash covers exactly what is stored.
        "details": canonical_text(details or {}) if details_text is None else details_text,
    }


def leaf_values(seq: int, values: dict, *, details_canonical: bool = False) -> dict:
    """The column values of entry `seq` with content `values`, its leaf hash computed over them.
    `details_canonical`: the details text is canonical JSON (made by `_event_values`), so the
    entry's bytes are its text spliced in (stored_leaves.spliced_content), not parsed and
    written again; otherwise, or where splicing cannot be done, they are parsed."""
    fields = {"seq": seq, **{name: values[name] for name in _CONTENT_FIELDS[1:]}}
    recorded_at, details_text = values["recorded_at"], values["details"]
    content = None
    if details_canonical:
        content = spliced_content(seq, recorded_at.isoformat(), fields["actor_id"], fields["actor_username"],
                                  fields["action"], fields["object_type"], fields["object_id"],
                                  fields["client_address"], details_text)
    if content is None:
        content = _content(fields, recorded_at, json.loads(details_text))
    leaf = merkle.leaf_hash(content)
    return {**fields, "recorded_at": recorded_at, "details": details_text, "entry_hash": leaf.hex()}


def migration_entry(seq: int, action: str, details: dict) -> dict:
    """The column values of entry `seq` written by a data migration (no session, no actor): a
    migration that vouches for rows it did not create (e.g. 0022's certificates)."""
    return leaf_values(seq, _event_values(action, None, None, None, details, None, "migration"))


@dataclass(frozen=True)
class RecordedEvent:
    """What `record_event` wrote, the same on both databases: the entry's content as stored
    (`details` as canonical JSON text) and, only when it was asked for with `sequenced=True`,
    its position `seq` (on SQLite it exists anyway, on PostgreSQL not before the commit: a
    caller that read it without asking would work on one database only)."""

    recorded_at: datetime
    actor_id: int | None
    actor_username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    client_address: str | None
    details: str
    sequenced_seq: int | None = None

    @property
    def seq(self) -> int:
        if self.sequenced_seq is None:
            raise AttributeError("the entry's seq is known before the commit only with "
                                 "record_event(..., sequenced=True)")
        return self.sequenced_seq


def record_event(action: str, *, actor=None, object_type: str | None = None,
                 object_id: Any = None, details: dict | None = None,
                 client_address: str | None = None, actor_username: str | None = None,
                 sequenced: bool = False) -> RecordedEvent:
    """Write an event to the log within the current transaction (committed with it). Returns
    what was written; its `seq` only if `sequenced` (on PostgreSQL the entry is queued otherwise,
    and has none before the commit)."""
    values = _event_values(action, actor, object_type, object_id, details, client_address,
                           actor_username)
    if not is_postgresql():
        seq = append_entries([values], details_canonical=True)
    elif sequenced:
        sequence_queue()  # what this transaction queued before comes first
        seq = append_entries([values], details_canonical=True)
    else:
        db.session.add(AuditQueued(**seal(values, queue_key())))
        db.session.flush()
        mark_queued()
        seq = None
    return RecordedEvent(**values, sequenced_seq=seq if sequenced else None)


def record_events(events: list[dict], *, actor=None, log_end: int | None = None) -> None:
    """Write many events at once (a sync batch): one INSERT of the queue on PostgreSQL, one
    sequence look-up and one bulk insert on SQLite. Each event is a dict of record_event's
    keyword arguments plus `action`, and may hold `details_text`, its details' canonical text
    made beforehand (outside the writer's turn). `log_end` (SQLite): the log's last position, read already
    in this writer's turn with nothing appended since (`sequencer.log_end`)."""
    if not events:
        return
    values = [_event_values(e["action"], e.get("actor", actor), e.get("object_type"),
                            e.get("object_id"), e.get("details"), e.get("client_address"),
                            e.get("actor_username"), e.get("details_text")) for e in events]
    if not is_postgresql():
        append_entries(values, last=log_end, details_canonical=True)
        return
    key = queue_key()
    db.session.execute(AuditQueued.__table__.insert(), [seal(v, key) for v in values])
    mark_queued()
