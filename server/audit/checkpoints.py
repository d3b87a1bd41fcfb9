"""Signed checkpoints of the audit log: tree size, root hash, time, an Ed25519 signature.

The signed text is plain and self-describing, so that a verifier needs only the public key:

    fieldcase-audit-checkpoint/v1
    <tree size>
    <root hash, hex>
    <signed at, ISO 8601 UTC>
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..extensions import db
from . import merkle, signing
from .models import AuditCheckpoint, AuditEntry, AuditQueued
from .sequencer import BATCH, lock_log, sequence_queue

HEADER = "fieldcase-audit-checkpoint/v1"


def checkpoint_text(tree_size: int, root_hash: str, signed_at: datetime) -> bytes:
    return f"{HEADER}\n{tree_size}\n{root_hash}\n{signed_at.isoformat()}\n".encode()


def latest_checkpoint() -> AuditCheckpoint | None:
    return db.session.execute(sa.select(AuditCheckpoint).order_by(
        AuditCheckpoint.tree_size.desc()).limit(1)).scalar_one_or_none()


def _frontier(checkpoint: AuditCheckpoint | None) -> list[tuple[int, bytes]]:
    if checkpoint is None:
        return []
    return [(size, bytes.fromhex(h)) for size, h in checkpoint.frontier]


def make_checkpoint(reason: str) -> AuditCheckpoint:
    """Sequence what is queued, then sign the log as it stands in this transaction (the caller
    commits); hashes only what was added since the last checkpoint. Returns the latest one when
    nothing was added."""
    lock_log()
    while sequence_queue() == BATCH:
        pass
    db.session.flush()
    last = latest_checkpoint()
    start = last.tree_size if last else 0
    new_leaves = [bytes.fromhex(h) for h in db.session.execute(
        sa.select(AuditEntry.entry_hash).where(AuditEntry.seq > start).order_by(AuditEntry.seq)).scalars()]
    if last is not None and not new_leaves:
        return last
    frontier = merkle.extend(_frontier(last), new_leaves)
    size = start + len(new_leaves)
    root_hash = merkle.frontier_root(frontier).hex()
    signed_at = utcnow()
    key = signing.signing_key()
    checkpoint = AuditCheckpoint(
        tree_size=size, root_hash=root_hash, signed_at=signed_at,
        key_id=signing.key_id(key.public_key()),
        signature=key.sign(checkpoint_text(size, root_hash, signed_at)).hex(),
        frontier=[[s, h.hex()] for s, h in frontier], reason=reason)
    db.session.add(checkpoint)
    db.session.flush()
    db.session.info["checkpoint_made"] = True  # the app wakes the witness's submitter after commit
    return checkpoint


def checkpoint_due() -> tuple[bool, timedelta]:
    """Whether entries were added and the last checkpoint is older than the configured interval,
    and how long until a checkpoint can next be due (zero when there is none yet)."""
    last = latest_checkpoint()
    interval = timedelta(minutes=current_app.config["AUDIT_CHECKPOINT_MINUTES"])
    wait = max(timedelta(0), last.signed_at + interval - utcnow()) if last else timedelta(0)
    newest = db.session.execute(sa.select(sa.func.max(AuditEntry.seq))).scalar() or 0
    queued = db.session.execute(sa.select(AuditQueued.id).limit(1)).first() is not None
    if newest == (last.tree_size if last else 0) and not queued:
        return False, wait
    return wait == timedelta(0), wait


def verify_signature(checkpoint: AuditCheckpoint, public_key) -> bool:
    try:
        public_key.verify(bytes.fromhex(checkpoint.signature),
                          checkpoint_text(checkpoint.tree_size, checkpoint.root_hash, checkpoint.signed_at))
        return True
    except Exception:  # InvalidSignature, or a signature field that is not even hex
        return False
