"""Verify the whole record: recompute every entry's hash and the tree, check every signed
checkpoint, and re-hash every evidence file in the store. Reports the first broken thing."""
from __future__ import annotations

import hmac
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..extensions import db
from . import log_scan, merkle, signing
from .checkpoints import verify_signature
from .models import AuditCheckpoint, AuditEntry, AuditQueued
from .sequencer import queue_key, queue_mac
from .stored_leaves import STORED_COLUMNS, stored_leaf
from .vouched import keyset_rows

QUEUE_CHUNK = 5000  # queued rows read per query


@dataclass
class VerifyReport:
    entries: int = 0
    queued: int = 0  # entries committed but not yet sequenced (audit_queue)
    checkpoints: int = 0
    files: int = 0
    rows: int = 0  # rows checked against what the log vouches for (audit/vouched.py)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts worth a line, not failures (witness)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = "OK" if self.ok else f"BROKEN: {self.problems[0]}"
        return (f"audit verify: {head} ({self.entries} entries, {self.checkpoints} signed "
                f"checkpoints, {self.rows} vouched rows, {self.files} evidence files checked)")


def verify_log(report: VerifyReport, progress: Callable[[int, int], None] | None = None) -> None:
    """Entries in order, gapless from 1, each hash recomputed; each checkpoint's root and
    signature against the tree rebuilt from the entries. The entries are read in chunks by
    log_scan (several at once with AUDIT_VERIFY_WORKERS); an entry it could not confirm fast is
    recomputed here the slow way before it is called altered."""
    public = signing.signing_key().public_key()
    own_key = signing.key_id(public)
    checkpoints = list(db.session.execute(
        sa.select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)).scalars())
    total = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()
    jobs = log_scan.chunk_jobs(total, [c.tree_size for c in checkpoints])
    pending = iter(checkpoints)
    checkpoint = next(pending, None)
    frontier: list = []
    dialect = db.engine.dialect.name
    connection = db.session.connection().connection.dbapi_connection
    with closing(log_scan.scan_log(connection, dialect, jobs, _workers(len(jobs)),
                                   _connect_args(dialect))) as scans:
        for scan in scans:
            # In log order: the checkpoints before each entry to recheck, the entry, the gap.
            stops = [(seq - 1, seq) for seq in scan.recheck]
            if scan.gap is not None:
                stops.append((scan.start + scan.entries, None))
            for position, seq in stops:
                while checkpoint is not None and checkpoint.tree_size <= position:
                    if not _check_checkpoint(report, checkpoint, frontier, scan, public, own_key):
                        return
                    checkpoint = next(pending, None)
                report.entries = position
                if seq is not None and not _recheck(report, seq):
                    return
                if seq is None:
                    expected = position + 1
                    report.problems.append(
                        f"entry {expected}{'' if scan.gap == expected + 1 else f'–{scan.gap - 1}'} "
                        f"missing (deleted from the log)")
                    return
            report.entries = scan.start + scan.entries
            while checkpoint is not None and checkpoint.tree_size <= report.entries:
                if not _check_checkpoint(report, checkpoint, frontier, scan, public, own_key):
                    return
                checkpoint = next(pending, None)
            frontier = merkle.merge_frontier(frontier, scan.frontier)
            if progress:
                progress(report.entries, total)
    if checkpoint is not None:
        report.problems.append(
            f"log truncated: checkpoint signed at {checkpoint.signed_at.isoformat()} covers "
            f"{checkpoint.tree_size} entries, the log holds {report.entries}")


def verify_queue(report: VerifyReport) -> None:
    """Entries committed but not yet in the log: each queued row's MAC (an edited or copied row
    is named), and a note of how many wait and since when. A queued row deleted outright leaves
    no trace here; the row it vouches for is then "not in the audit log" (vouched.py)."""
    key = queue_key()
    oldest = None
    for row in keyset_rows(sa.select(AuditQueued.__table__), AuditQueued.id, chunk=QUEUE_CHUNK):
        report.queued += 1
        oldest = row.recorded_at if oldest is None else min(oldest, row.recorded_at)
        if not hmac.compare_digest(queue_mac(row._mapping, key), row.mac):
            report.problems.append(f"queued entry {row.id} ({row.action}) altered: its content "
                                   f"no longer matches its MAC")
    if oldest is not None:
        age = (utcnow() - oldest).total_seconds()
        report.notes.append(f"queue: {report.queued} entries not yet sequenced, the oldest "
                            f"recorded {age:.0f} s ago (`flask audit sequence` moves them)")


def _workers(chunks: int) -> int:
    return max(1, min(current_app.config["AUDIT_VERIFY_WORKERS"], chunks))


def _connect_args(dialect: str) -> tuple | None:
    """How a worker process opens its own connection; None where it cannot (a database in memory)."""
    url = db.engine.url
    if dialect == "sqlite":
        return None if url.database in (None, "", ":memory:") else (url.database,)
    if dialect == "postgresql":
        return (url.set(drivername="postgresql").render_as_string(hide_password=False),)
    return None


def _recheck(report: VerifyReport, seq: int) -> bool:
    """Entry `seq`'s leaf recomputed the slow way (its details parsed and written again), for an
    entry whose fast leaf differed from its stored hash; False (a problem) if it is altered."""
    columns = [AuditEntry.__table__.c[name] for name in STORED_COLUMNS]
    try:
        entry = db.session.execute(sa.select(*columns).where(AuditEntry.seq == seq)).one()
        ok = stored_leaf(entry).hex() == entry.entry_hash
    except (TypeError, ValueError, AttributeError):  # a column no longer of its type
        ok = False
    if not ok:
        action = db.session.execute(sa.select(AuditEntry.action).where(AuditEntry.seq == seq)).scalar()
        report.problems.append(f"entry {seq} ({action}) altered: its content no longer matches "
                               f"its hash")
    return ok


def _check_checkpoint(report, checkpoint, frontier, scan, public, own_key) -> bool:
    """Checkpoint against the log's frontier before `scan`'s chunk and the chunk's own up to it."""
    if checkpoint.tree_size > scan.start:
        frontier = merkle.merge_frontier(frontier, scan.cuts[checkpoint.tree_size])
    where = f"checkpoint of {checkpoint.tree_size} entries signed {checkpoint.signed_at.isoformat()}"
    if checkpoint.key_id != own_key or not verify_signature(checkpoint, public):
        report.problems.append(f"{where}: signature invalid")
        return False
    if merkle.frontier_root(frontier).hex() != checkpoint.root_hash:
        report.problems.append(
            f"{where}: the entries no longer hash to its root (an entry after the previous "
            f"checkpoint was altered, swapped or replaced with its hash)")
        return False
    report.checkpoints += 1
    return True
