"""What a case file carries of the witness: the newest co-signed checkpoint at or below the
case file's own, the co-signature, a consistency proof from it to the case file's checkpoint,
and every checkpoint the witness refused. `python -m server.verify_case` checks it offline."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from . import merkle, signing
from .cosign import key_id
from .models import AuditCheckpoint, AuditCosignature, AuditEntry, AuditWitnessRefusal
from .witnessing import witness_key


def witness_section(checkpoint: AuditCheckpoint) -> dict | None:
    """The manifest's `witness` section; None when no witness is configured."""
    public = witness_key()
    if public is None:
        return None
    raw = signing.public_key_raw(public)
    witness_id = key_id(raw)
    cosigned = db.session.execute(
        sa.select(AuditCosignature).where(AuditCosignature.witness_key_id == witness_id,
                                          AuditCosignature.tree_size <= checkpoint.tree_size)
        .order_by(AuditCosignature.tree_size.desc()).limit(1)).scalar_one_or_none()
    proof: list[str] = []
    if cosigned is not None and 0 < cosigned.tree_size < checkpoint.tree_size:
        leaves = [bytes.fromhex(h) for h in db.session.execute(
            sa.select(AuditEntry.entry_hash).where(AuditEntry.seq <= checkpoint.tree_size)
            .order_by(AuditEntry.seq)).scalars()]
        proof = [p.hex() for p in merkle.consistency_proof(leaves, cosigned.tree_size)]
    refusals = db.session.execute(sa.select(AuditWitnessRefusal).where(
        AuditWitnessRefusal.witness_key_id == witness_id).order_by(AuditWitnessRefusal.id)).scalars()
    return {
        "key_id": witness_id, "public_key_hex": raw.hex(),
        "cosigned": None if cosigned is None else {
            "tree_size": cosigned.tree_size, "root_hash": cosigned.root_hash,
            "cosigned_at": cosigned.cosigned_at, "signature": cosigned.signature},
        "consistency_proof": proof,
        "refusals": [{"tree_size": r.tree_size, "root_hash": r.root_hash, "code": r.code,
                      "detail": r.detail, "refused_at": r.refused_at.isoformat()} for r in refusals],
    }
