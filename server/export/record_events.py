"""Events about enforcement documents (server/documents/) and archive packages (server/archive/),
built from their audit entries: a document's number, type and the SHA-256 of its fields when
issued; the SHA-256 of the PDF/A before and after the seal when sealed; an archive package's
number and SHA-256. Never the bytes, nor a document's fields (they may hold anyone's personal
data): a link fetches the sealed PDF or the package for whoever may see it.
"""
from __future__ import annotations

from datetime import datetime

from .format import Entry, instant, link


def _document_ref(uuid: str) -> dict:
    return {"uuid": uuid, "href": link(f"/api/documents/{uuid}"),
            "pdf_href": link(f"/api/documents/{uuid}/pdf")}


def _subject(subject_type: str | None, subject_id: str | None) -> dict | None:
    if subject_type is None:
        return None
    path = f"/api/inspections/{subject_id}" if subject_type == "inspection" else f"/api/cases/{subject_id}"
    return {"type": subject_type, "id": subject_id, "href": link(path)}


def document_issued(entry: Entry) -> tuple[str, dict]:
    """document.issued: numbered now, waiting for its seal."""
    d = entry.details
    return "document.issued", {
        "document": _document_ref(entry.object_id), "type": d["doc_type"], "number": d["number"],
        "year": d["year"], "serial": d["serial"], "subject": _subject(d["subject_type"], d["subject_id"]),
        "party": d["party"], "fields_sha256": d["fields_sha256"],
        "issued_at": instant(datetime.fromisoformat(d["issued_at"]))}


def document_sealed(entry: Entry) -> tuple[str, dict]:
    """document.sealed: the bureau's electronic seal is on it; the sealed PDF's SHA-256."""
    d = entry.details
    return "document.sealed", {
        "document": _document_ref(entry.object_id), "pdf_sha256": d["pdf_sha256"],
        "sealed_pdf_sha256": d["signed_sha256"], "sealed_at": instant(datetime.fromisoformat(d["signed_at"]))}


def archive_built(entry: Entry) -> tuple[str, dict]:
    """archive.created (电子档案) or archive.transfer_created (案件移送 package): built once."""
    d = entry.details
    event_type = "archive.created" if entry.action == "archive.created" else "archive.transfer_created"
    return event_type, {
        "archive": {"uuid": entry.object_id, "href": link(f"/api/archives/{entry.object_id}"),
                    "package_href": link(f"/api/archives/{entry.object_id}/package")},
        "archive_no": d["archive_no"], "kind": d["kind"], "category": d["category"],
        "subject": _subject(d["subject_type"], d["subject_id"]), "title": d["title"], "party": d["party"],
        "year": d["year"], "retention": d["retention"], "export_id": d["export_id"],
        "package_sha256": d["package_sha256"], "package_size": d["package_size"],
        "transfer_letter": _document_ref(d["transfer_letter"]) if d.get("transfer_letter") else None}
