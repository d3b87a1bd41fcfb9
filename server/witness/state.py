"""The witness's durable state: its Ed25519 key, the log key it watches, and the newest
checkpoint it co-signed (written to a temporary file, fsynced, renamed: never half written)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..audit.cosign import key_id

KEY_FILE = "witness_key.pem"
STATE_FILE = "state.json"
REFUSED_FILE = "refused.jsonl"


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def init_state(folder: Path, log_public_key_hex: str) -> Ed25519PublicKey:
    """Create the witness's key (0600) and its state watching the log key given; refuses to
    overwrite an existing witness (its memory is the point)."""
    log_key = bytes.fromhex(log_public_key_hex)
    Ed25519PublicKey.from_public_bytes(log_key)  # ValueError when it is not a key
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    fd = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
        f.flush()
        os.fsync(f.fileno())
    save_state(folder, {"log_public_key_hex": log_key.hex(), "log_key_id": key_id(log_key),
                        "latest": None})
    return key.public_key()


def load_key(folder: Path) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)


def load_state(folder: Path) -> dict:
    return json.loads((folder / STATE_FILE).read_text())


def save_state(folder: Path, state: dict) -> None:
    """Durably replace the state: temp file, fsync, rename, fsync the folder."""
    temp = folder / (STATE_FILE + ".tmp")
    with open(temp, "w") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, folder / STATE_FILE)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def note_refusal(folder: Path, refusal: dict) -> None:
    """Keep every refused checkpoint (evidence of a rollback or a fork), one JSON line each."""
    with open(folder / REFUSED_FILE, "a") as f:
        f.write(json.dumps(refusal, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
