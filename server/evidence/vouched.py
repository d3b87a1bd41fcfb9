"""What the audit log vouches for about received evidence files, for `audit verify` (see
server/audit/vouched.py): each `evidence_files` row against its `evidence.upload_completed`
entry, which names the SHA-256, size, sniffed type and flags, and (since record hashes) the
SHA-256 of every fact learnt from the bytes (`facts_sha256`: EXIF time, GPS, dimensions, …).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timezone

import sqlalchemy as sa

from ..audit.canonical import canonical_json
from ..audit.vouched import Entry, VouchedKind, keyset_rows
from ..inspections.content import normal_form
from .models import EvidenceFile

CHUNK = 2000


def file_facts_sha256(row: EvidenceFile) -> str:
    """SHA-256 of an evidence file's stored facts (every column) as canonical JSON."""
    facts = {}
    for column in EvidenceFile.__table__.columns:
        value = getattr(row, column.key)
        facts[column.key] = value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else value
    return hashlib.sha256(canonical_json(normal_form(facts)).encode("utf-8")).hexdigest()


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    facts = {"sha256": details["sha256"], "size": details["size"],
             "media_type": details["media_type"], "flags": details["flags"]}
    if "facts_sha256" in details:
        facts["facts_sha256"] = details["facts_sha256"]
    yield entry.object_id, facts


def _rows() -> Iterable[tuple[str, str, dict]]:
    for row in keyset_rows(sa.select(EvidenceFile), EvidenceFile.evidence_uuid, chunk=CHUNK,
                           objects=True):
        key = str(row.evidence_uuid)
        yield key, key, {"sha256": row.sha256, "size": row.size, "media_type": row.media_type,
                         "flags": [f.get("code") if isinstance(f, dict) else f
                                   for f in row.flags or []],
                         "facts_sha256": file_facts_sha256(row)}


EVIDENCE_FILES = VouchedKind(table="evidence_files", actions=("evidence.upload_completed",),
                             expect=_expect, rows=_rows,
                             labels={"facts_sha256": "what was learnt from the bytes: EXIF time, "
                                                     "GPS, dimensions, device, flags"})
