"""The audit log's Ed25519 signing key: generated on first use in storage/ (0600), never leaves it.

The public key is published (`/api/audit/key`) so that anyone can check a checkpoint, and a case
file carries it, so that a court can check one without asking our server.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

KEY_FILE = "audit_signing_key.pem"


def _key_path() -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / KEY_FILE


def signing_key() -> Ed25519PrivateKey:
    """The key, created atomically by whichever worker needs it first."""
    path = _key_path()
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
        except FileExistsError:
            pass  # another worker won the race: use its key
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_raw(public)).hexdigest()[:16]


def public_key_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def derived_key(label: str) -> bytes:
    """A 32-byte key for one purpose (`label`, e.g. "fieldcase-audit-queue/v1"), derived from the
    signing key, so that no second secret has to be kept; cached per app under the label."""
    keys = current_app.extensions.setdefault("derived_keys", {})
    key = keys.get(label)
    if key is None:
        raw = signing_key().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
        key = keys[label] = hashlib.sha256(label.encode() + b"\n" + raw).digest()
    return key
