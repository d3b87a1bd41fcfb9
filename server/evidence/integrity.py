"""Re-hash every stored original against the SHA-256 it was received with (for `audit verify`).

Files are write-once and content-addressed, so a file whose bytes no longer hash to its name was
changed behind the store's back: flipped bytes, or another file of the same size put in its place.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from ..extensions import db
from .models import EvidenceFile
from .storage import StorageError, get_stores

CHUNK = 1024 * 1024


def _sha256_of(stream) -> str:
    digest = hashlib.sha256()
    while block := stream.read(CHUNK):
        digest.update(block)
    return digest.hexdigest()


def verify_evidence_files(report, progress=None) -> None:
    """Add the number of files checked to `report`, and a problem for each file that is missing
    or whose bytes no longer match."""
    rows = db.session.execute(sa.select(EvidenceFile.sha256, EvidenceFile.evidence_uuid, EvidenceFile.size)
                              .order_by(EvidenceFile.sha256)).all()
    originals = get_stores().originals
    by_hash: dict[str, list] = {}
    for sha256, evidence_uuid, size in rows:
        by_hash.setdefault(sha256, []).append((evidence_uuid, size))
    for done, (sha256, uses) in enumerate(by_hash.items(), start=1):
        names = ", ".join(str(u) for u, _ in uses)
        try:
            with originals.open(sha256) as stream:
                actual = _sha256_of(stream)
        except StorageError:
            report.problems.append(f"evidence file {sha256} (evidence {names}) missing from the store")
            continue
        if actual != sha256:
            report.problems.append(f"evidence file {sha256} (evidence {names}) altered: its bytes "
                                   f"now hash to {actual}")
        report.files += 1
        if progress:
            progress(done, len(by_hash))
