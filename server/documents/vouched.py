"""What the audit log vouches for about issued documents, for `audit verify` (see
server/audit/vouched.py): each `documents` row against its `document.issued` entry (type, number,
subject, party, the SHA-256 of its fields, recomputed from the row) and the seal's outcome
(`document.signed` names the SHA-256 of the PDF/A and of the sealed PDF)."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import Document
from .service import fields_sha256

CHUNK = 2000


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    if entry.action == "document.issued":
        yield entry.object_id, {
            "doc_type": details["doc_type"], "number": details["number"], "year": details["year"],
            "serial": details["serial"], "subject_type": details["subject_type"],
            "subject_id": details["subject_id"], "party": details["party"],
            "fields_sha256": details["fields_sha256"], "issued_by_id": entry.actor_id,
            "state": "pending", "pdf_sha256": None, "signed_sha256": None}
    elif entry.action == "document.signed":
        yield entry.object_id, {"state": "signed", "pdf_sha256": details["pdf_sha256"],
                                "signed_sha256": details["signed_sha256"]}
    elif entry.action == "document.seal_failed":
        yield entry.object_id, {"state": "failed"}


def _rows() -> Iterable[tuple[str, str, dict]]:
    last = 0
    while True:
        chunk = db.session.execute(sa.select(Document).where(Document.id > last)
                                   .order_by(Document.id).limit(CHUNK)).scalars().all()
        for row in chunk:
            yield str(row.uuid), f"{row.number} (id {row.id})", {
                "doc_type": row.doc_type, "number": row.number, "year": row.year,
                "serial": row.serial, "subject_type": row.subject_type,
                "subject_id": row.subject_id, "party": row.party,
                "fields_sha256": fields_sha256(row.fields), "issued_by_id": row.issued_by_id,
                "state": row.state, "pdf_sha256": row.pdf_sha256, "signed_sha256": row.signed_sha256}
        if len(chunk) < CHUNK:
            return
        last = chunk[-1].id
        db.session.expunge_all()


DOCUMENTS = VouchedKind(table="documents",
                        actions=("document.issued", "document.signed", "document.seal_failed"),
                        expect=_expect, rows=_rows,
                        labels={"fields_sha256": "the document's fields as issued"})
