"""Having checkpoints co-signed by the witness (server/witness/), and keeping its answers.

The newest checkpoint is sent with a consistency proof from the last one the witness co-signed;
its co-signature, or its refusal (a rollback or a fork), is stored. Nothing waits for it: a
background thread per process submits after a checkpoint is made and retries every
WITNESS_RETRY_SECONDS while the witness is unreachable; checkpoints go on being made meanwhile,
and the newest one is co-signed once it answers (it vouches for every earlier one, which its
consistency proof covers).
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask, current_app

from ..clock import utcnow
from ..database import write_intent
from ..extensions import db
from . import proofs, signing
from .checkpoints import checkpoint_text, latest_checkpoint
from .cosign import cosignature_text, key_id
from .models import AuditCheckpoint, AuditCosignature, AuditWitnessRefusal

log = logging.getLogger("fieldcase.witness")
REFUSALS = ("witness.rollback", "witness.fork")


class WitnessUnavailable(Exception):
    """The witness did not answer, or not as a witness does."""


def witness_key() -> Ed25519PublicKey | None:
    """The configured witness's public key; None when no witness is configured."""
    if not current_app.config.get("WITNESS_URL"):
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(current_app.config["WITNESS_KEY"] or ""))
    except ValueError:
        raise RuntimeError("FIELDCASE_WITNESS_KEY must be the witness's public key (64 hex digits, "
                           "`python -m server.witness show`)") from None


def verify_cosignature(public: Ed25519PublicKey, log_key_id: str, cosignature) -> bool:
    try:
        public.verify(bytes.fromhex(cosignature.signature), cosignature_text(
            log_key_id, cosignature.tree_size, cosignature.root_hash, cosignature.cosigned_at))
        return True
    except (InvalidSignature, ValueError):
        return False


def _post(submission: dict) -> tuple[int, dict]:
    url = current_app.config["WITNESS_URL"].rstrip("/") + "/witness/checkpoints"
    request = urllib.request.Request(url, data=json.dumps(submission).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["WITNESS_TIMEOUT_SECONDS"]) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as answer:
        try:
            return answer.code, json.loads(answer.read())
        except ValueError:
            raise WitnessUnavailable(f"witness answered {answer.code}, not JSON") from None
    except (OSError, ValueError) as exc:  # refused, timed out, reset, not JSON
        raise WitnessUnavailable(f"witness unreachable: {exc}") from None


def _consistency_proof(old_size: int, checkpoint: AuditCheckpoint) -> list[str]:
    """From the tree levels the consistency endpoint keeps (audit/proofs.py): built once per
    process, then grown by the entries added since, so a proof reads no more of the log."""
    if not 0 < old_size < checkpoint.tree_size:
        return []
    return proofs.consistency_proof(old_size, checkpoint)


def _last_cosigned_size(witness_id: str, limit: int) -> int:
    return db.session.execute(sa.select(sa.func.max(AuditCosignature.tree_size)).where(
        AuditCosignature.witness_key_id == witness_id, AuditCosignature.tree_size <= limit)).scalar() or 0


def witness_latest() -> str:
    """Submit the newest checkpoint unless the witness has answered for it already; returns
    "cosigned", "refused", "stale" (a newer one of ours was co-signed meanwhile), "done" or "off".
    Raises WitnessUnavailable. Holds no transaction while it waits for the witness."""
    public = witness_key()
    if public is None:
        return "off"
    witness_id = key_id(signing.public_key_raw(public))
    with write_intent(False):
        latest = latest_checkpoint()
        if latest is None or _answered(latest, witness_id):
            db.session.rollback()
            return "done"
        old_size = _last_cosigned_size(witness_id, latest.tree_size)
        submission = _submission(latest, old_size)
        db.session.expunge(latest)  # kept as read: no transaction is held while the witness answers
        db.session.rollback()
    for _ in range(2):
        status, body = _post(submission)
        if status == 200:
            return _store_cosignature(public, latest, body)
        held = body.get("witness_checkpoint") or {}
        if status == 409 and body.get("code") == "witness.old_size" and held.get("tree_size", 0) < latest.tree_size:
            with write_intent(False):  # another process's submission moved the witness on
                submission = _submission(latest, held["tree_size"])
                db.session.rollback()
            continue
        if status == 409 and body.get("code") in REFUSALS:
            return _store_refusal(latest, witness_id, body, held)
        raise WitnessUnavailable(f"witness answered {status} {body.get('code')}: {body.get('detail')}")
    raise WitnessUnavailable("witness kept asking for a proof from another size")


def _answered(checkpoint: AuditCheckpoint, witness_id: str) -> bool:
    """Co-signed or refused already (a co-signature of another root at this size does not count)."""
    cosigned = db.session.get(AuditCosignature, (checkpoint.tree_size, witness_id))
    return (cosigned is not None and cosigned.root_hash == checkpoint.root_hash) or bool(db.session.execute(
        sa.select(AuditWitnessRefusal.id).where(AuditWitnessRefusal.tree_size == checkpoint.tree_size,
                                                AuditWitnessRefusal.root_hash == checkpoint.root_hash,
                                                AuditWitnessRefusal.witness_key_id == witness_id)).first())


def _submission(checkpoint: AuditCheckpoint, old_size: int) -> dict:
    return {"signed_text": checkpoint_text(checkpoint.tree_size, checkpoint.root_hash,
                                           checkpoint.signed_at).decode(),
            "signature": checkpoint.signature, "old_size": old_size,
            "consistency_proof": _consistency_proof(old_size, checkpoint)}


def _store_cosignature(public, checkpoint: AuditCheckpoint, body: dict) -> str:
    cosignature = AuditCosignature(tree_size=checkpoint.tree_size, witness_key_id=body.get("key_id"),
                                   root_hash=checkpoint.root_hash, cosigned_at=body.get("cosigned_at"),
                                   signature=body.get("cosignature"))
    if (body.get("tree_size"), body.get("root_hash")) != (checkpoint.tree_size, checkpoint.root_hash) or \
            cosignature.witness_key_id != key_id(signing.public_key_raw(public)) or \
            not verify_cosignature(public, checkpoint.key_id, cosignature):
        raise WitnessUnavailable("the witness's co-signature does not verify with WITNESS_KEY")
    with write_intent(True):
        if db.session.get(AuditCosignature, (cosignature.tree_size, cosignature.witness_key_id)) is None:
            db.session.add(cosignature)  # another process may have stored the same answer
        db.session.commit()
    return "cosigned"


def _store_refusal(checkpoint: AuditCheckpoint, witness_id: str, body: dict, held: dict) -> str:
    with write_intent(True):
        ours = db.session.get(AuditCheckpoint, held.get("tree_size", -1))
        if held.get("tree_size", 0) > checkpoint.tree_size and ours is not None \
                and ours.root_hash == held.get("root_hash"):
            db.session.rollback()  # the witness holds a newer checkpoint of this very log
            return "stale"
        db.session.add(AuditWitnessRefusal(
            tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash, witness_key_id=witness_id,
            code=body["code"].removeprefix("witness."), detail=str(body.get("detail"))[:2000],
            refused_at=utcnow()))
        db.session.commit()
    log.error("the witness refused checkpoint %s: %s", checkpoint.tree_size, body.get("detail"))
    return "refused"


# --- the background submitter ----------------------------------------------------------------------

_start_lock = threading.Lock()


def _start_witnessing(app: Flask) -> threading.Event:
    """A daemon thread that submits when woken (`wake_witness`) and every WITNESS_RETRY_SECONDS."""
    wake = threading.Event()

    def run():
        while True:
            wake.wait(app.config["WITNESS_RETRY_SECONDS"])
            wake.clear()
            with app.app_context():
                try:
                    witness_latest()
                except WitnessUnavailable as exc:
                    log.warning("checkpoint not yet witnessed: %s", exc)
                except Exception:  # noqa: BLE001 - the thread must survive to try again
                    log.exception("witnessing failed")
                finally:
                    db.session.remove()

    threading.Thread(target=run, name="fieldcase-witness", daemon=True).start()
    return wake


def wake_witness(app: Flask) -> None:
    """Submit soon, from this process's submitter thread (started on first use); called after a
    checkpoint was committed. No-op when no witness is configured, and in the test client's app
    (its tests call `witness_latest` themselves; under gunicorn the thread runs as in production)."""
    if not app.config.get("WITNESS_URL") or app.testing:
        return
    with _start_lock:
        wake = app.extensions.get("audit_witness_wake")
        if wake is None:
            wake = app.extensions["audit_witness_wake"] = _start_witnessing(app)
    wake.set()
