"""The v1 wire format's building blocks: event ids, instants (UTC and Asia/Shanghai), device and
server clocks side by side, links, and the envelope every event shares (schema/v1/event.json)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app

from ..clock import to_local

FORMAT = "fieldcase.export.v1"
SCHEMA_PATH = "/api/export/v1/schema/"


@dataclass(frozen=True)
class Entry:
    """An audit entry as an event builder reads it (details parsed)."""

    seq: int
    recorded_at: datetime
    actor_id: int | None
    actor_username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict
    entry_hash: str


def event_id(entry_hash: str) -> str:
    """The event's id and idempotency key: stable (the same on every pull and every delivery),
    unique across bureaus (the entry's hash covers its seq and time) and free of '.'."""
    return "evt_" + entry_hash[:32]


def instant(moment: datetime | None) -> dict | None:
    """A moment in UTC and as shown in the bureau (Asia/Shanghai), both ISO 8601 with offset."""
    if moment is None:
        return None
    return {"utc": moment.astimezone(timezone.utc).isoformat(), "shanghai": to_local(moment).isoformat()}


def clocks(*, device: datetime | None = None, server: datetime | None = None,
           offset_ms: int | None = None) -> dict:
    """One moment by the phone's clock and the server's, side by side. The side not measured is
    derived from the device clock offset observed at sync (device minus server) when it is known,
    and `derived` names it; without an offset it is null."""
    derived = None
    if offset_ms is not None:
        shift = timedelta(milliseconds=offset_ms)
        if server is None and device is not None:
            server, derived = device - shift, "server"
        elif device is None and server is not None:
            device, derived = server + shift, "device"
    return {"device": instant(device), "server": instant(server), "derived": derived}


def link(path: str) -> str:
    """A link to a FieldCase resource: absolute under EXPORT_BASE_URL when it is set, else a
    path the collector resolves against the URL it pulls from."""
    return (current_app.config.get("EXPORT_BASE_URL") or "").rstrip("/") + path


def schema_url(name: str) -> str:
    return link(SCHEMA_PATH + name)


def envelope(entry: Entry, event_type: str, schema: str, data: dict) -> dict:
    """An event: what happened (`type`, `data`), when and by whom, and the audit entry it is."""
    return {
        "id": event_id(entry.entry_hash),
        "format": FORMAT,
        "type": event_type,
        "seq": entry.seq,
        "source": current_app.config["EXPORT_SOURCE"],
        "occurred_at": instant(entry.recorded_at),
        "actor": None if entry.actor_id is None and entry.actor_username is None else {
            "id": entry.actor_id, "username": entry.actor_username},
        "subject": {"type": entry.object_type, "id": entry.object_id},
        "dataschema": schema_url(schema),
        "audit": {"seq": entry.seq, "entry_hash": entry.entry_hash, "action": entry.action},
        "data": data,
    }
