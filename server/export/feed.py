"""Reading events from the audit log in order: pages for the pull API, behind opaque cursors.

The log's `seq` is gapless and entries commit in `seq` order under the writer lock, so what a
statement sees of the log is always a prefix of it: a page read up to the end of a prefix seen
before can never skip an entry that commits later, and a cursor never needs to move back.
"""
from __future__ import annotations

import base64
import binascii
import json
import re

import sqlalchemy as sa

from ..audit.models import AuditEntry
from ..errors import ApiError
from ..extensions import db
from .format import Entry, envelope
from .kinds import KINDS

_COLUMNS = (AuditEntry.seq, AuditEntry.recorded_at, AuditEntry.actor_id, AuditEntry.actor_username,
            AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.details,
            AuditEntry.entry_hash)
_CURSOR = re.compile(r"v1:(0|[1-9][0-9]{0,18}):([0-9a-f]{16})?")


def read_logged(after: int, limit: int, through: int | None = None) -> list[Entry]:
    """The entries of registered actions with after < seq (<= through), in seq order, at most
    `limit` (exported or not: see `exported`)."""
    query = sa.select(*_COLUMNS).where(AuditEntry.seq > after, AuditEntry.action.in_(list(KINDS)))
    if through is not None:
        query = query.where(AuditEntry.seq <= through)
    rows = db.session.execute(query.order_by(AuditEntry.seq).limit(limit)).all()
    return [Entry(*row[:7], json.loads(row[7]), row[8]) for row in rows]


def exported(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if KINDS[e.action].exports(e)]


def entries_at(seqs: list[int]) -> dict[int, Entry]:
    rows = db.session.execute(sa.select(*_COLUMNS).where(AuditEntry.seq.in_(seqs))).all()
    return {row[0]: Entry(*row[:7], json.loads(row[7]), row[8]) for row in rows}


def build_events(entries: list[Entry]) -> list[dict]:
    """The events of `entries` (exported ones), in order."""
    by_kind: dict[str, list[Entry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.action, []).append(entry)
    loaded = [KINDS[action].prefetch(group) for action, group in by_kind.items()
              if KINDS[action].prefetch]  # held until built: the session keeps them weakly
    events = [build_event(entry) for entry in entries]
    del loaded
    return events


def build_event(entry: Entry) -> dict:
    kind = KINDS[entry.action]
    event_type, data = kind.build(entry)
    return envelope(entry, event_type, kind.schema, data)


def log_end() -> tuple[int, str | None]:
    """The last seq of the log as this transaction sees it, and its entry hash."""
    row = db.session.execute(sa.select(AuditEntry.seq, AuditEntry.entry_hash)
                             .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, None)


def encode_cursor(seq: int, entry_hash: str | None) -> str:
    text = f"v1:{seq}:{(entry_hash or '')[:16] if seq else ''}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor stands for. A cursor that is not one of ours is `export.invalid_cursor`;
    one this log does not have at that position (another installation's, or from before a
    restore) is `export.cursor_unknown`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("export.invalid_cursor") from None
    match = _CURSOR.fullmatch(text)
    if match is None or (match.group(1) != "0") != bool(match.group(2)):
        raise ApiError("export.invalid_cursor")
    seq = int(match.group(1))
    if seq:
        held = db.session.execute(sa.select(AuditEntry.entry_hash).where(AuditEntry.seq == seq)).scalar()
        if held is None or held[:16] != match.group(2):
            raise ApiError("export.cursor_unknown")
    return seq


def events_page(cursor: str | None, limit: int) -> dict:
    """The events after `cursor` (from the start without one), from at most `limit` entries, and
    the cursor to ask with next; `has_more` says whether the log held more when it was read."""
    after = decode_cursor(cursor) if cursor else 0
    # The end first, then the entries up to it: on PostgreSQL each statement of a read sees the
    # log as committed when it starts (READ COMMITTED), and an end read after the entries could
    # pass over entries committed in between.
    end_seq, end_hash = log_end()
    entries = read_logged(after, limit, end_seq)
    if len(entries) == limit:
        next_seq, next_hash, more = entries[-1].seq, entries[-1].entry_hash, True
    else:
        next_seq, next_hash, more = end_seq, end_hash, False
    return {"events": build_events(exported(entries)),
            "next_cursor": encode_cursor(next_seq, next_hash), "has_more": more}
