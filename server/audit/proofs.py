"""Inclusion proofs for many entries at once, and consistency proofs, against signed checkpoints.

The tree's levels are built once (O(n) hashes) and kept for the process, so every proof after
that costs O(log n) (O(log² n) for consistency) and reads no log entry; a newer checkpoint grows
the cached tree by the entries added since. An older checkpoint's tree is a prefix of the newest
one's, so its proofs come from the same levels.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from . import merkle
from .checkpoints import latest_checkpoint, make_checkpoint
from .models import AuditCheckpoint, AuditEntry

_CACHE_KEY = "audit_tree_levels"


def checkpoint_covering(seq: int, reason: str) -> AuditCheckpoint:
    """The latest checkpoint, signing a new one first when it does not yet include entry `seq`."""
    latest = latest_checkpoint()
    if latest is None or latest.tree_size < seq:
        latest = make_checkpoint(reason)
    return latest


def _build_levels(tree_size: int, cached: tuple[int, list[bytes]] | None) -> list[bytes]:
    """The tree of the first `tree_size` entries; grown from a cached smaller tree, reading only
    the entries added since (the log is append-only; the caller checks the root it signed)."""
    start, levels = cached if cached is not None and cached[0] < tree_size else (0, None)
    leaves = [bytes.fromhex(h) for h in db.session.execute(
        sa.select(AuditEntry.entry_hash).where(AuditEntry.seq > start, AuditEntry.seq <= tree_size)
        .order_by(AuditEntry.seq)).scalars()]
    if start + len(leaves) != tree_size:
        raise RuntimeError(f"the log holds {start + len(leaves)} of the {tree_size} entries signed")
    return merkle.tree_levels(leaves) if levels is None else merkle.extend_levels(levels, leaves)


def _levels(checkpoint: AuditCheckpoint) -> list[bytes]:
    """The tree `checkpoint` signed, from the cache when its root still matches."""
    cache = current_app.extensions.setdefault(_CACHE_KEY, {"lock": threading.Lock(), "tree": None})
    with cache["lock"]:
        cached = cache["tree"]
    if cached is not None and cached[0] == checkpoint.tree_size and cached[1][-1].hex() == checkpoint.root_hash:
        return cached[1]
    levels = _build_levels(checkpoint.tree_size, cached)
    if cached is not None and levels[-1].hex() != checkpoint.root_hash:
        levels = _build_levels(checkpoint.tree_size, None)  # not this log's prefix: from scratch
    if checkpoint.tree_size and levels[-1].hex() != checkpoint.root_hash:
        raise RuntimeError(f"the log does not match checkpoint {checkpoint.tree_size}'s root: "
                           "run `flask --app server audit verify`")
    with cache["lock"]:
        cache["tree"] = (checkpoint.tree_size, levels)
    return levels


def consistency_proof(first: int, signed: AuditCheckpoint) -> list[str]:
    """PROOF(first, D[second]) (hex): the log at `first` entries is a prefix of the tree the
    checkpoint `signed` (of `second` entries) signed. Read from the newest checkpoint's levels."""
    second = signed.tree_size
    if not 0 <= first <= second:
        raise ValueError(f"size {first} is not within a tree of {second}")
    if first in (0, second):
        return []
    levels = _levels(latest_checkpoint())
    if merkle.range_hash_from_levels(levels, 0, second).hex() != signed.root_hash:
        raise RuntimeError(f"the log does not match checkpoint {second}'s root: "
                           "run `flask --app server audit verify`")
    return [p.hex() for p in merkle.consistency_from_levels(levels, first, second)]


def inclusion_proofs(checkpoint: AuditCheckpoint, seqs: list[int]) -> dict[int, list[str]]:
    """Audit paths (hex) of the entries `seqs` in the tree `checkpoint` signed."""
    levels = _levels(checkpoint)
    return {seq: [p.hex() for p in merkle.path_from_levels(levels, seq - 1)] for seq in seqs}
