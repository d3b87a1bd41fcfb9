"""A draw's secret seed at rest (a plan's, a review sample's): sealed until the draw reveals it.

From commitment to draw the `seed` column holds `sealed:v1:<base64url(nonce ‖ AES-256-GCM
ciphertext ‖ tag)>`, never the seed itself. The key is derived from the audit signing key
(STORAGE_DIR, not the database), as the audit queue's HMAC key is, so a database dump, a backup or
a DBA cannot learn the seed before the draw. The associated data binds the sealed seed to its subject
(`plan:<id>`, `review-sample:<quarter>`) and its published SHA-256: a sealed seed copied from
another subject, a wrong or missing key, or an
edited value cannot be opened, and the draw refuses (`plan.seed_unsealable`,
`evalreview.seed_unsealable`) rather than draw with
another seed. After the draw the column holds the revealed seed (64 hex digits) as before.
"""
from __future__ import annotations

import base64
import logging
import os

from . import algorithm as alg

log = logging.getLogger(__name__)

PREFIX = "sealed:v1:"
_NONCE = 12


def seed_key() -> bytes:
    """The AES-256 key of sealed seeds, derived from the signing key."""
    from ..audit.signing import derived_key
    return derived_key("fieldcase-draw-seed/v1")


def _associated(subject: str, seed_sha256: str) -> bytes:
    return f"fieldcase-seed/v1|{subject}|{seed_sha256}".encode()


def plan_subject(plan_id: int) -> str:
    return f"plan:{plan_id}"


def sample_subject(quarter: str) -> str:
    return f"review-sample:{quarter}"


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def seal_seed(seed_hex: str, subject: str, seed_sha256: str, key: bytes) -> str:
    """The stored form of a secret seed (hex) before the draw."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, bytes.fromhex(seed_hex), _associated(subject, seed_sha256))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


class SeedUnsealable(Exception):
    """The stored seed cannot be opened with this server's key, or is not the committed one."""


def unseal_seed(stored: str, subject: str, seed_sha256: str, key: bytes) -> str:
    """The secret seed (hex) of a stored form; a revealed seed is returned as it is. Raises
    SeedUnsealable unless the result is the seed whose SHA-256 was committed."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if is_sealed(stored):
        try:
            blob = base64.urlsafe_b64decode(stored[len(PREFIX):].encode("ascii"))
            seed = AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:],
                                       _associated(subject, seed_sha256)).hex()
        except (InvalidTag, ValueError) as error:
            raise SeedUnsealable(f"{subject}: the sealed seed does not open with this server's "
                                 "key (a wrong or missing audit signing key, or an edited value)") from error
    else:
        seed = stored
    try:
        committed = alg.seed_commitment(seed) == seed_sha256
    except (TypeError, ValueError):
        committed = False
    if not committed:
        raise SeedUnsealable(f"{subject}: the stored seed is not the one committed to")
    return seed
