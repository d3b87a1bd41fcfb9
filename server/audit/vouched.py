"""Rows whose content the audit log vouches for, checked against it by `audit verify`.

The log's hashes make the entries themselves tamper-evident; a row elsewhere (a record, a review
decision) is only as trustworthy as its comparison with the entries that vouch for it. Each
feature registers one `VouchedKind` per kind of row (the app factory lists them in
`app.extensions["audit_vouched"]`; the audit layer knows nothing of inspections):

- `actions`: the entries that say something about a row of this kind;
- `expect(entry)`: what such an entry commits to, as (row key, {fact: value}) pairs; a value may
  be a function of the value expected so far (a count that grows);
- `rows()`: every stored row, as (row key, name in reports, {fact: value}).

The log is replayed in order, each fact keeping the entry that last set it; then each row's facts
are compared with what the log expects. A fact that differs, a row the log never mentioned and a
row the log vouches for that is gone are each named, with the table, the row and the entry.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from .models import AuditEntry, AuditQueued

CHUNK = 5000


@dataclass(frozen=True)
class Entry:
    """An audit entry as a kind reads it (details parsed)."""

    seq: int | None  # None for an entry still in the queue (sequenced after its row's commit)
    recorded_at: datetime
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict


@dataclass(frozen=True)
class VouchedKind:
    table: str
    actions: tuple[str, ...]
    expect: Callable[[Entry], Iterable[tuple[str, dict]]]
    rows: Callable[[], Iterable[tuple[str, str, dict]]]
    # What a fact means, for a report that can only name a hash (e.g. "the submitted content").
    labels: dict[str, str] | None = None


def keyset_rows(query: sa.Select, key, *, chunk: int, objects: bool = False) -> Iterator:
    """Every row `query` selects (ORM objects with `objects`, else rows of columns), in the order
    of the unique `key`, read `chunk` at a time: each page starts after the last key of the one
    before (keyset paging), and a page's objects leave the session once the next is asked for,
    so that a walk of a large table holds one page at a time."""
    last = None
    while True:
        page_query = query if last is None else query.where(key > last)
        result = db.session.execute(page_query.order_by(key).limit(chunk))
        page = result.unique().scalars().all() if objects else result.all()
        yield from page
        if len(page) < chunk:
            return
        last = getattr(page[-1], key.key)
        if objects:
            db.session.expunge_all()


def replay_log(kinds: list[VouchedKind], report) -> list[dict[str, tuple[dict, dict]]]:
    """For each kind, row key -> ({fact: expected value}, {fact: seq of the entry that set it}).
    An entry a kind cannot read (its details altered) is a problem of the report, not a crash."""
    expected: list[dict] = [{} for _ in kinds]
    by_action: dict[str, list[tuple]] = {}  # action -> (kind's table, its expect, its expectations)
    for kind, facts_of in zip(kinds, expected, strict=True):
        for action in kind.actions:
            by_action.setdefault(action, []).append((kind.table, kind.expect, facts_of))
    fromkeys = dict.fromkeys
    for seq, entry in _log_then_queue(list(by_action)):
        for table, expect, facts_of in by_action[entry.action]:
            try:
                changes = list(expect(entry))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                report.problems.append(f"entry {seq} ({entry.action}): unreadable as what it says "
                                       f"of {table} ({type(exc).__name__}: {exc})")
                continue
            for key, facts in changes:
                known = facts_of.get(key)
                if known is None:
                    known = facts_of[key] = ({}, {})
                values, sources = known
                if any(map(callable, facts.values())):  # a value grown from the one before
                    facts = {name: value(values.get(name)) if callable(value) else value
                             for name, value in facts.items()}
                values.update(facts)
                sources.update(fromkeys(facts, seq))
    return expected


def _log_then_queue(actions: list[str]) -> Iterator[tuple[int | str, Entry]]:
    """(how a report names it, Entry) for each entry of `actions`: the log's in order, then those
    still queued (committed with their rows, not yet sequenced), oldest first. Read as plain rows
    over the session's connection (no ORM layer: a long log is mostly entries to replay)."""
    connection = db.session.connection()
    for table, key in ((AuditEntry.__table__, AuditEntry.__table__.c.seq),
                       (AuditQueued.__table__, AuditQueued.__table__.c.id)):
        queued = table is AuditQueued.__table__
        query = sa.select(key, table.c.recorded_at, table.c.actor_id, table.c.action,
                          table.c.object_type, table.c.object_id, table.c.details).where(
            table.c.action.in_(actions)).order_by(key).limit(CHUNK)
        last = None
        while True:
            page = connection.execute(query if last is None else query.where(key > last)).all()
            for number, recorded_at, actor_id, action, object_type, object_id, details in page:
                yield (f"queued {number}" if queued else number), Entry(
                    None if queued else number, recorded_at, actor_id, action, object_type,
                    object_id, json.loads(details))
            if len(page) < CHUNK:
                break
            last = page[-1][0]


def verify_vouched_rows(report, kinds: list[VouchedKind], progress=None) -> None:
    """Add the number of rows checked to `report`, and a problem for each row that differs from
    what the log vouches for, that the log never mentioned, or that the log vouches for but is gone."""
    expectations = replay_log(kinds, report)
    for kind, expected in zip(kinds, expectations, strict=True):
        labels = kind.labels or {}
        seen = set()
        for key, name, facts in kind.rows():
            seen.add(key)
            report.rows += 1
            wanted = expected.get(key)
            if wanted is None:
                report.problems.append(f"{kind.table} {name}: not in the audit log (inserted "
                                       f"behind the log's back)")
                continue
            values, sources = wanted
            differ = [fact for fact, value in values.items() if facts.get(fact) != value]
            if differ:
                entries = sorted({sources[fact] for fact in differ}, key=_log_order)
                named = ", ".join(f"{fact} ({labels[fact]})" if fact in labels else fact
                                  for fact in differ)
                report.problems.append(
                    f"{kind.table} {name}: altered: {named} differ from what audit "
                    f"entr{'y' if len(entries) == 1 else 'ies'} {', '.join(map(str, entries))} "
                    f"committed to")
        for key in sorted(set(expected) - seen):
            first = min(expected[key][1].values(), key=_log_order)
            report.problems.append(f"{kind.table}: the row audit entry {first} vouches for "
                                   f"({key}) is missing (deleted)")
        if progress:
            progress(len(seen), len(seen))


def _log_order(named: int | str) -> tuple:
    """Sequenced entries by position, then queued ones by their queue number."""
    return (0, named, 0) if isinstance(named, int) else (1, 0, int(named.split()[1]))
