"""Issuing documents: the fields checked against the type's schema, a number taken from the
type's counter for the year in the issuing transaction (its row locked until commit, so numbers never
skip or repeat), the row and its `document.issued` entry written together. Sealing happens later,
off the request (queue.py): issuing never waits for the seal, nor holds up a sync.

A case (server/cases/) or an inspection supplies the fields; `inspection_record_fields` is the
inspection's own. Services never touch flask.request.
"""
from __future__ import annotations

import hashlib
import uuid as uuidlib

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.canonical import canonical_json
from ..audit.service import record_event
from ..clock import to_local, utcnow
from ..database import _write_intent, serialize_on  # read-only here: is this unit of work a writer?
from ..errors import ApiError
from ..extensions import db
from ..inspections.access import can_view
from ..inspections.models import Inspection
from .models import Document, DocumentCounter
from .types import check_fields, get_type

# The field naming the party, per type, for the archive list (the first one present).
PARTY_FIELDS = ("party_name", "interviewee", "recipient")


def document_number(abbrev: str, year: int, serial: int) -> str:
    """E.g. 海盐交罚〔2026〕第 12 号."""
    return f"{current_app.config['DOCUMENT_NUMBER_PREFIX']}{abbrev}〔{year}〕第 {serial} 号"


def take_serial(doc_type: str, year: int) -> int:
    """The next number of `doc_type` in `year`, counted in this (writer's) transaction: it commits
    with the document or not at all, so a rolled-back issue gives its number back."""
    if not _write_intent.get():
        raise RuntimeError("a document number is taken only in a writer's transaction")
    # The year's first number: two servers must not both create the counter (the UPDATE below
    # then holds the counter's row until commit, so numbers never skip or repeat).
    serialize_on("document_counter", f"{doc_type}/{year}")
    serial = db.session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)
        .values(last_serial=DocumentCounter.last_serial + 1)
        .returning(DocumentCounter.last_serial)).scalar()
    if serial is None:
        db.session.add(DocumentCounter(doc_type=doc_type, year=year, last_serial=1))
        db.session.flush()
        serial = 1
    return serial


def fields_sha256(fields: dict) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def issue_document(user: User | None, type_code: str, fields: dict, *, subject_type: str | None = None,
                   subject_id: str | None = None, actor_username: str | None = None,
                   reserved: tuple[int, int] | None = None) -> Document:
    """Issue a document of `type_code` with `fields` (a missing required field is refused, named
    in Chinese); it waits for its seal in state pending. The caller commits. `reserved`: the
    (year, serial) a phone used from its block (server/simple/blocks.py), taken earlier."""
    doc_type = get_type(type_code)
    clean = check_fields(doc_type, fields)
    issued_at = utcnow()
    year, serial = reserved or (to_local(issued_at).year, None)
    serial = serial or take_serial(doc_type.code, year)
    party = next((clean[name] for name in PARTY_FIELDS if name in clean), None)
    document = Document(uuid=uuidlib.uuid4(), doc_type=doc_type.code, year=year, serial=serial,
                        number=document_number(doc_type.abbrev, year, serial),
                        subject_type=subject_type, subject_id=subject_id,
                        party=party[:200] if party else None, fields=clean,
                        fields_sha256=fields_sha256(clean), issued_by_id=getattr(user, "id", None),
                        issued_at=issued_at, state="pending")
    db.session.add(document)
    db.session.flush()
    record_event("document.issued", actor=user, actor_username=actor_username,
                 object_type="document", object_id=str(document.uuid), details={
                     "doc_type": document.doc_type, "number": document.number,
                     "year": year, "serial": serial, "subject_type": subject_type,
                     "subject_id": subject_id, "party": document.party,
                     "fields_sha256": document.fields_sha256,
                     "issued_at": issued_at.isoformat()})
    db.session.info["documents_issued"] = True  # the request wakes the sealer after its commit
    return document


def inspection_record_fields(inspection: Inspection) -> dict:
    """The 现场检查笔录's fields from a submitted inspection."""
    from ..review import items

    local = "%Y年%m月%d日 %H:%M"
    findings = [f"{item['label']}：{item['answer']}" + ("（不符合）" if item["result"] == "fail" else "")
                for item in items.record_items(inspection)]
    return {
        "party_name": inspection.subject_name,
        "party_code": inspection.subject_code,
        "place": inspection.place_address or (f"北纬 {inspection.place_latitude:.5f}，东经 "
                                              f"{inspection.place_longitude:.5f}"
                                              if inspection.place_latitude is not None else "—"),
        "period": f"{to_local(inspection.started_at).strftime(local)} 至 "
                  f"{to_local(inspection.finished_at).strftime(local)}",
        "officers": [f"{o.user.display_name}（执法证号 {o.certificate_number}）" for o in inspection.officers],
        "findings": findings or ["（无检查项）"],
        "evidence": [f"证据 {number}：SHA-256 {e.sha256}"
                     for number, e in enumerate(inspection.evidence_files, start=1)],
        "record_ref": f"检查记录 {inspection.uuid}（第 {inspection.revision} 版，内容 SHA-256 "
                      f"{inspection.content_hash}）",
    }


def get_visible_document(user: User, document_uuid) -> Document:
    """The document if `user` may see it: admins, supervisors and legal reviewers see every one;
    others the ones they issued or whose inspection they may see. Otherwise 404."""
    document = db.session.execute(sa.select(Document).where(Document.uuid == document_uuid)).scalar()
    if document is None or not can_view_document(user, document):
        raise ApiError("request.not_found", "文书不存在或您无权查看。")
    return document


def can_view_document(user: User, document: Document) -> bool:
    if user.has_role("admin", "supervisor", "legal_reviewer") or document.issued_by_id == user.id:
        return True
    if document.subject_type == "inspection":
        inspection = db.session.get(Inspection, uuidlib.UUID(document.subject_id))
        return inspection is not None and can_view(user, inspection)
    return False


def export_sealed_document(user: User, document: Document) -> bytes:
    """The sealed PDF as it leaves the server: an export, audited (who, which document, the
    SHA-256 of the bytes given) in the caller's writer's transaction. 409 unless sealed."""
    from .queue import sealed_pdf

    if document.state != "signed":
        raise ApiError("document.not_sealed", detail=f"文书 {document.number} 尚未盖章"
                       f"（{document.state_label}），请稍后再下载。")
    pdf = sealed_pdf(document)
    record_event("document.exported", actor=user, object_type="document", object_id=str(document.uuid),
                 details={"number": document.number, "doc_type": document.doc_type,
                          "sha256": hashlib.sha256(pdf).hexdigest()})
    return pdf
