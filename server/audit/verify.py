"""Verify the whole record: recompute every entry's hash and the tree, check every signed
checkpoint, and re-hash every evidence file in the store. Reports the first broken thing."""
from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..clock import utcnow
from ..extensions import db
from . import merkle, signing
from .checkpoints import verify_signature
from .models import AuditCheckpoint, AuditEntry, AuditQueued
from .sequencer import queue_key, queue_mac
from .stored_leaves import STORED_COLUMNS, stored_leaf
from .vouched import keyset_rows

CHUNK = 5000


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
    signature against the tree rebuilt from the entries."""
    public = signing.signing_key().public_key()
    own_key = signing.key_id(public)
    checkpoints = list(db.session.execute(
        sa.select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)).scalars())
    total = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()
    frontier: list = []
    pending = iter(checkpoints)
    checkpoint = next(pending, None)
    expected_seq = 1
    columns = [AuditEntry.__table__.c[name] for name in STORED_COLUMNS]
    for entry in keyset_rows(sa.select(*columns), AuditEntry.seq, chunk=CHUNK):
        if entry.seq != expected_seq:
            report.problems.append(
                f"entry {expected_seq}{'' if entry.seq == expected_seq + 1 else f'–{entry.seq - 1}'} "
                f"missing (deleted from the log)")
            return
        leaf = stored_leaf(entry)
        if leaf.hex() != entry.entry_hash:
            report.problems.append(f"entry {entry.seq} ({entry.action}) altered: its content no "
                                   f"longer matches its hash")
            return
        frontier = merkle.extend(frontier, [leaf])
        report.entries += 1
        expected_seq += 1
        while checkpoint is not None and checkpoint.tree_size == report.entries:
            if not _check_checkpoint(report, checkpoint, frontier, public, own_key):
                return
            checkpoint = next(pending, None)
        if progress and report.entries % CHUNK == 0:
            progress(report.entries, total)
    if progress and report.entries % CHUNK:
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
    for row in keyset_rows(sa.select(AuditQueued.__table__), AuditQueued.id, chunk=CHUNK):
        report.queued += 1
        oldest = row.recorded_at if oldest is None else min(oldest, row.recorded_at)
        if not hmac.compare_digest(queue_mac(row._mapping, key), row.mac):
            report.problems.append(f"queued entry {row.id} ({row.action}) altered: its content "
                                   f"no longer matches its MAC")
    if oldest is not None:
        age = (utcnow() - oldest).total_seconds()
        report.notes.append(f"queue: {report.queued} entries not yet sequenced, the oldest "
                            f"recorded {age:.0f} s ago (`flask audit sequence` moves them)")


def _check_checkpoint(report, checkpoint, frontier, public, own_key) -> bool:
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
