"""What the witness decides about a submitted checkpoint: co-sign it, or refuse it and why.

A submission is the log's checkpoint (its signed text and Ed25519 signature), the size of the
checkpoint the log believes the witness saw last (`old_size`) and a consistency proof from that
size to the new one (RFC 9162 §2.1.4).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..audit import merkle
from ..audit.cosign import cosignature_text, key_id, parse_checkpoint_text
from .state import load_key, load_state, note_refusal, raw_public, save_state


class Refused(Exception):
    """A submission the witness does not co-sign: HTTP status, stable code, English detail."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def public_view(folder: Path) -> dict:
    """The witness's key and the log it watches (GET /witness/key)."""
    state = load_state(folder)
    raw = raw_public(load_key(folder).public_key())
    return {"algorithm": "Ed25519", "key_id": key_id(raw), "public_key_hex": raw.hex(),
            "log_key_id": state["log_key_id"]}


def _read(submission: dict) -> tuple[str, bytes, int, list[bytes]]:
    try:
        text, signature = submission["signed_text"], bytes.fromhex(submission["signature"])
        old_size = submission["old_size"]
        proof = [bytes.fromhex(p) for p in submission["consistency_proof"]]
        if not isinstance(text, str) or not isinstance(old_size, int) or old_size < 0:
            raise TypeError("signed_text must be text, old_size a whole number")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Refused(400, "witness.bad_request", f"not a checkpoint submission ({exc})") from None
    return text, signature, old_size, proof


def witness_checkpoint(folder: Path, submission: dict, sender: str | None = None) -> dict:
    """Co-sign the submitted checkpoint and remember it, or raise Refused (and note it).
    The caller serialises calls: the state is read, checked and replaced as one step."""
    text, signature, old_size, proof = _read(submission)
    state = load_state(folder)
    log_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(state["log_public_key_hex"]))
    try:
        size, root, _ = parse_checkpoint_text(text)
        log_key.verify(signature, text.encode())
    except (ValueError, InvalidSignature):
        raise Refused(403, "witness.bad_signature", "not a checkpoint signed by the log key "
                      f"{state['log_key_id']} this witness watches") from None
    latest = state["latest"]
    try:
        _check_extension(latest, size, root, old_size, proof)
    except Refused as refusal:
        if refusal.status == 409 and refusal.code != "witness.old_size":
            note_refusal(folder, {"code": refusal.code, "detail": refusal.detail, "signed_text": text,
                                  "signature": signature.hex(), "at": _now(), "sender": sender})
        raise
    if latest is not None and latest["tree_size"] == size:
        return _answer(folder, latest)  # the same checkpoint again: the same co-signature
    cosigned_at = _now()
    cosignature = load_key(folder).sign(cosignature_text(state["log_key_id"], size, root, cosigned_at))
    state["latest"] = {"tree_size": size, "root_hash": root, "signed_text": text,
                       "log_signature": signature.hex(), "cosigned_at": cosigned_at,
                       "cosignature": cosignature.hex()}
    save_state(folder, state)  # remembered before anyone is told
    return _answer(folder, state["latest"])


def _check_extension(latest: dict | None, size: int, root: str, old_size: int, proof: list[bytes]) -> None:
    if latest is None:
        return  # the first checkpoint this witness sees: trust on first sight
    seen, seen_root = latest["tree_size"], latest["root_hash"]
    if size < seen:
        raise Refused(409, "witness.rollback", f"rollback: this witness co-signed {seen} entries "
                      f"(root {seen_root}); the log now claims {size}")
    if size == seen:
        if root != seen_root:
            raise Refused(409, "witness.fork", f"fork: this witness co-signed {seen} entries with "
                          f"root {seen_root}; this checkpoint of the same size has root {root}")
        return
    if old_size != seen:
        raise Refused(409, "witness.old_size", f"the proof must start at {seen} entries, the "
                      f"checkpoint this witness co-signed last (not {old_size})")
    if not merkle.verify_consistency(seen, size, bytes.fromhex(seen_root), bytes.fromhex(root), proof):
        raise Refused(409, "witness.fork", f"fork: the checkpoint of {size} entries does not extend "
                      f"the {seen} entries (root {seen_root}) this witness co-signed")


def _answer(folder: Path, latest: dict) -> dict:
    return {**public_view(folder), **latest}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
