"""The sealed documents of a case file: copied byte for byte into documents/<SHA-256>.pdf,
re-hashed on the way, and listed in the manifest's `documents` section; the export entry names
each document's sealed SHA-256, which its own `document.signed` entry (in the trail) committed to.
A document still waiting for its seal is listed without a file."""
from __future__ import annotations

import hashlib
import zipfile

from ..clock import to_local
from ..documents.queue import document_store
from ..errors import ApiError
from ..evidence.storage import StorageError
from .trail import Case


def copy_documents(archive: zipfile.ZipFile, case: Case, copied: dict[str, str]) -> dict[str, str]:
    """Add each sealed document not yet in the ZIP; returns sealed SHA-256 → path in the ZIP."""
    store = document_store()
    for document in case.documents:
        digest = document.signed_sha256
        if document.state != "signed" or digest in copied:
            continue
        path = f"documents/{digest}.pdf"
        try:
            with store.open(digest) as source:
                data = source.read()
        except StorageError as exc:
            raise ApiError("casefile.document_damaged", number=document.number) from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise ApiError("casefile.document_damaged", number=document.number)
        info = zipfile.ZipInfo(path, date_time=to_local(document.signed_at).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
        copied[digest] = path
    return copied


def documents_section(case: Case, paths: dict[str, str]) -> list[dict]:
    """The manifest's `documents`: each document's identity, number, seal state and file."""
    return [{"uuid": str(d.uuid), "doc_type": d.doc_type, "number": d.number, "party": d.party,
             "issued_at": d.issued_at.isoformat(), "state": d.state,
             "signed_sha256": d.signed_sha256 if d.state == "signed" else None,
             "path": paths.get(d.signed_sha256) if d.state == "signed" else None}
            for d in case.documents]


def committed_documents(case: Case) -> list[dict]:
    """What the export entry names of the documents: uuid and sealed SHA-256 (null: unsealed)."""
    return [{"uuid": str(d.uuid), "signed_sha256": d.signed_sha256 if d.state == "signed" else None}
            for d in case.documents]
