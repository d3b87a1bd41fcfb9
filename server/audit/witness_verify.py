"""The witness's part of `audit verify`: is the log the one the witness saw?

Asks the witness for the newest checkpoint it co-signed and checks that this log still holds
it (fewer entries: rolled back; other hashes: forked), checks every stored co-signature the
same way, and names every checkpoint the witness refused. Unreachable, it is a warning: the
stored co-signatures are still checked.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from . import merkle, signing
from .cosign import key_id
from .models import AuditCheckpoint, AuditCosignature, AuditEntry, AuditWitnessRefusal
from .witnessing import verify_cosignature, witness_key


def _fetch_witnessed() -> dict | None:
    """The witness's newest co-signed checkpoint (None: it has none yet); OSError/ValueError."""
    url = current_app.config["WITNESS_URL"].rstrip("/") + "/witness/checkpoint"
    try:
        with urllib.request.urlopen(url, timeout=current_app.config["WITNESS_TIMEOUT_SECONDS"]) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as answer:
        if answer.code == 404:
            return None
        raise


def _log_holds(size: int, root_hash: str) -> str | None:
    """None when the log's first `size` entries hash to `root_hash`, else what differs."""
    signed = db.session.get(AuditCheckpoint, size)
    if signed is not None:
        return None if signed.root_hash == root_hash else "forked (another history of that size)"
    leaves = [bytes.fromhex(h) for h in db.session.execute(
        sa.select(AuditEntry.entry_hash).where(AuditEntry.seq <= size).order_by(AuditEntry.seq)).scalars()]
    if len(leaves) < size:
        return f"rolled back (the log holds {len(leaves)} entries)"
    return None if merkle.root(leaves).hex() == root_hash else "forked (another history of that size)"


def verify_witnessing(report, progress=None) -> None:
    """Add the witness's findings to an `audit verify` report (problems and notes)."""
    public = witness_key()
    if public is None:
        report.notes.append("witness: none configured (FIELDCASE_WITNESS_URL): a rollback of the "
                            "log cannot be detected")
        return
    witness_id = key_id(signing.public_key_raw(public))
    log_id = signing.key_id(signing.signing_key().public_key())
    for cosignature in db.session.execute(sa.select(AuditCosignature).order_by(AuditCosignature.tree_size)).scalars():
        where = f"co-signature by witness {cosignature.witness_key_id} of {cosignature.tree_size} entries"
        if cosignature.witness_key_id == witness_id and not verify_cosignature(public, log_id, cosignature):
            report.problems.append(f"{where}: signature invalid")
        elif differs := _log_holds(cosignature.tree_size, cosignature.root_hash):
            report.problems.append(f"{where} (root {cosignature.root_hash}): the log was {differs}")
    for refusal in db.session.execute(sa.select(AuditWitnessRefusal).order_by(AuditWitnessRefusal.id)).scalars():
        report.problems.append(f"witness {refusal.witness_key_id} refused the checkpoint of "
                               f"{refusal.tree_size} entries ({refusal.code}): {refusal.detail}")
    _check_witness_memory(report, public, witness_id, log_id)
    _note_latest(report, witness_id)


def _check_witness_memory(report, public, witness_id: str, log_id: str) -> None:
    try:
        held = _fetch_witnessed()
    except (OSError, ValueError) as exc:
        report.notes.append(f"WARNING witness {witness_id} unreachable ({exc}): only the stored "
                            "co-signatures were checked, not what the witness remembers")
        return
    if held is None:
        report.notes.append(f"witness {witness_id}: has co-signed nothing yet")
        return
    cosignature = SimpleNamespace(tree_size=held.get("tree_size"), root_hash=held.get("root_hash"),
                                  cosigned_at=held.get("cosigned_at"), signature=held.get("cosignature", ""))
    if held.get("key_id") != witness_id or not verify_cosignature(public, log_id, cosignature):
        report.problems.append(f"witness at {current_app.config['WITNESS_URL']}: its newest co-signature "
                               f"does not verify with FIELDCASE_WITNESS_KEY ({witness_id})")
        return
    if differs := _log_holds(cosignature.tree_size, cosignature.root_hash):
        report.problems.append(f"witness {witness_id} co-signed {cosignature.tree_size} entries (root "
                               f"{cosignature.root_hash}) at {cosignature.cosigned_at}: the log was {differs}")
    else:
        report.notes.append(f"witness {witness_id}: remembers {cosignature.tree_size} entries, "
                            "which this log holds unchanged")


def _note_latest(report, witness_id: str) -> None:
    latest = db.session.execute(sa.select(AuditCheckpoint).order_by(
        AuditCheckpoint.tree_size.desc()).limit(1)).scalar_one_or_none()
    if latest is None:
        return
    cosigned = db.session.get(AuditCosignature, (latest.tree_size, witness_id))
    if cosigned is not None:
        report.notes.append(f"latest checkpoint ({latest.tree_size} entries) witnessed by "
                            f"{witness_id} at {cosigned.cosigned_at}")
    else:
        newest = db.session.execute(sa.select(sa.func.max(AuditCosignature.tree_size)).where(
            AuditCosignature.witness_key_id == witness_id)).scalar()
        report.notes.append(f"latest checkpoint ({latest.tree_size} entries) not yet witnessed; "
                            f"newest witnessed: {newest or 'none'}")
