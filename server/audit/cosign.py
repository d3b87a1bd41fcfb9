"""The texts of the log's checkpoints and of a witness's co-signatures, and key ids.

Standard library only: the witness process (`python -m server.witness`) and the standalone
case-file verifier parse and rebuild these texts without Flask or a database. A co-signature
says "witness W saw the log whose key id is L at this size and root, at this time, and it was
a consistent extension of everything W saw before":

    fieldcase-witness-cosignature/v1
    <log key id>
    <tree size>
    <root hash, hex>
    <co-signed at, ISO 8601 UTC>
"""
from __future__ import annotations

import hashlib

CHECKPOINT_HEADER = "fieldcase-audit-checkpoint/v1"
COSIGNATURE_HEADER = "fieldcase-witness-cosignature/v1"


def key_id(raw_public_key: bytes) -> str:
    """First 16 hex digits of SHA-256 of a raw Ed25519 public key (as signing.key_id)."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def parse_checkpoint_text(text: str) -> tuple[int, str, str]:
    """(tree size, root hash, signed at) of a checkpoint's signed text; ValueError otherwise."""
    header, size, root, signed_at, *rest = text.split("\n")
    if header != CHECKPOINT_HEADER or rest != [""] or len(root) != 64:
        raise ValueError("not a fieldcase checkpoint text")
    bytes.fromhex(root)
    if not size.isdigit():
        raise ValueError("tree size is not a number")
    return int(size), root, signed_at


def cosignature_text(log_key_id: str, tree_size: int, root_hash: str, cosigned_at: str) -> bytes:
    return f"{COSIGNATURE_HEADER}\n{log_key_id}\n{tree_size}\n{root_hash}\n{cosigned_at}\n".encode()
