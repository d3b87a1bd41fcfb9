"""Building archive packages (电子档案) by reusing the case-file export: the package is a case
file (records, evidence originals, trail with inclusion proofs, signed checkpoint) plus the
sealed documents and an `archive` metadata section that the export entry itself signs, so that
`python -m server.verify_case` checks all of it offline. Stored once, by its SHA-256, never
rebuilt; later facts are appended (`add_fact`). A transfer package (案件移送) is the same with
the sealed 案件移送函 in it, for the receiving authority.

When: `archive_inspection` for an inspection that is final (approved) with no case;
`archive_case` for a case that closes (server/cases/ calls it with its id and inspection).
"""
from __future__ import annotations

import hashlib
import os
import uuid as uuidlib

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..casefile.export import export_case_file, spool_file
from ..clock import to_local, utcnow
from ..database import serialize_on
from ..documents.models import Document
from ..documents.service import take_serial
from ..errors import ApiError
from ..evidence.storage import LocalStore
from ..extensions import db
from ..inspections.models import Inspection
from .metadata import archive_metadata
from .models import Archive, ArchiveFact


def archive_store() -> LocalStore:
    return LocalStore(current_app.config["STORAGE_DIR"] / "archives", write_once=True)


def archive_inspection(user: User | None, inspection: Inspection) -> Archive:
    """Archive a final inspection that has no case; the caller commits."""
    if inspection.status != "approved":
        raise ApiError("archive.not_final")
    return _build(user, "archive", "inspection", str(inspection.root_uuid), inspection)


def archive_case(user: User | None, case_id: str, inspection: Inspection) -> Archive:
    """Archive a closed case (its documents, and the inspection it arose from); the caller
    commits. server/cases/ calls this when a case closes."""
    return _build(user, "archive", "case", str(case_id), inspection)


def transfer_package(user: User | None, archive: Archive, letter: Document) -> Archive:
    """The archive package plus its sealed 案件移送函, as a package of its own."""
    if archive.kind != "archive":
        raise ApiError("archive.not_found")
    if letter.doc_type != "case_transfer_letter" or letter.state != "signed" \
            or (letter.subject_type, letter.subject_id) not in _subjects(archive):
        raise ApiError("archive.letter_required")
    inspection = db.session.get(Inspection, archive.inspection_uuid)
    return _build(user, "transfer", archive.category, archive.subject_id, inspection,
                  subject_type=archive.subject_type, letter=letter)


def _subjects(archive: Archive) -> set[tuple[str, str]]:
    inspection = db.session.get(Inspection, archive.inspection_uuid)
    revisions = {("inspection", str(r.uuid)) for r in inspection.revisions}
    return revisions | {(archive.subject_type, archive.subject_id)}


def _build(user, kind: str, category: str, subject_id: str, inspection: Inspection, *,
           subject_type: str | None = None, letter: Document | None = None) -> Archive:
    subject_type = subject_type or category
    _refuse_second_archive(kind, subject_type, subject_id)
    inspection_uuid = inspection.uuid
    subjects = ((subject_type, subject_id),) if subject_type == "case" else ()
    facts: dict = {}

    def keep(document) -> bool:
        # An archive holds no transfer letter; a transfer package holds only its own.
        return document.doc_type != "case_transfer_letter" or (letter is not None and document.id == letter.id)

    def metadata(case) -> dict:
        # The export read as a reader, then took the writer's turn again: an archive of the same
        # subject may have been committed meanwhile (a concurrent request); check in this turn,
        # holding the subject until commit (PostgreSQL has no one writer's turn), so that the
        # second of two requests at once sees the first's archive and answers 409.
        serialize_on("archive", f"{kind}/{subject_type}/{subject_id}")
        _refuse_second_archive(kind, subject_type, subject_id)
        documents = case.documents
        serial = take_serial(f"archive_{kind}_{category}", to_local(utcnow()).year)
        facts.update(archive_metadata(kind=kind, category=category, serial=serial, case=case,
                                      documents=documents, letter=letter))
        return facts

    spool = spool_file()
    try:
        manifest = export_case_file(user, inspection_uuid, spool, subjects=subjects,
                                    keep_document=keep, archive_metadata=metadata,
                                    actor_username=None if user else "archiver")
        spool.flush()
        spool.seek(0)
        digest, size = hashlib.sha256(), 0
        while block := spool.read(1024 * 1024):
            digest.update(block)
            size += len(block)
        temp = archive_store().root / f".{uuidlib.uuid4()}.zip"
        temp.parent.mkdir(parents=True, exist_ok=True)
        spool.seek(0)
        with open(temp, "wb") as out:
            while block := spool.read(1024 * 1024):
                out.write(block)
        try:
            archive_store().put_file(digest.hexdigest(), temp)
        finally:
            if temp.exists():
                os.unlink(temp)
    finally:
        spool.close()
    row = Archive(uuid=uuidlib.UUID(facts["archive_uuid"]), archive_no=facts["archive_no"], kind=kind,
                  category=category, subject_type=subject_type, subject_id=subject_id,
                  inspection_uuid=inspection_uuid, year=facts["year"], title=facts["title"][:300],
                  party=(facts["party"] or None) and facts["party"][:200], retention=facts["retention"],
                  transfer_letter_uuid=letter.uuid if letter else None, export_id=manifest["export_id"],
                  package_sha256=digest.hexdigest(), package_size=size,
                  created_by_id=getattr(user, "id", None), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record_event(f"archive.{'created' if kind == 'archive' else 'transfer_created'}", actor=user,
                 actor_username=None if user else "archiver", object_type="archive",
                 object_id=str(row.uuid), details={
                     "archive_no": row.archive_no, "kind": kind, "category": category,
                     "subject_type": subject_type, "subject_id": subject_id,
                     "export_id": row.export_id, "package_sha256": row.package_sha256,
                     "package_size": size, "retention": row.retention, "year": row.year,
                     "party": row.party, "title": row.title,
                     "transfer_letter": str(letter.uuid) if letter else None})
    return row


def _refuse_second_archive(kind: str, subject_type: str, subject_id: str) -> None:
    if kind == "archive" and db.session.execute(sa.select(Archive.id).where(
            Archive.kind == "archive", Archive.subject_type == subject_type,
            Archive.subject_id == subject_id)).first():
        raise ApiError("archive.exists")


def add_fact(user: User, archive: Archive, text: str, document: Document | None = None) -> ArchiveFact:
    """Append a later fact to an archive (the package itself never changes); the caller commits."""
    fact = ArchiveFact(archive_id=archive.id, text=text, document_uuid=document.uuid if document else None,
                       added_by_id=user.id, added_at=utcnow())
    db.session.add(fact)
    db.session.flush()
    record_event("archive.fact_added", actor=user, object_type="archive", object_id=str(archive.uuid),
                 details={"fact_id": fact.id, "text": text,
                          "document": str(document.uuid) if document else None})
    return fact


def list_archives(*, year: int | None = None, category: str | None = None, party: str | None = None,
                  retention: str | None = None, kind: str | None = None, limit: int = 100) -> list[Archive]:
    """The archive list: by year, category (type), party (contains) and retention, newest first."""
    query = sa.select(Archive)
    if year is not None:
        query = query.where(Archive.year == year)
    if category:
        query = query.where(Archive.category == category)
    if retention:
        query = query.where(Archive.retention == retention)
    if kind:
        query = query.where(Archive.kind == kind)
    if party:
        escaped = party.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Archive.party.like(f"%{escaped}%", escape="\\"))
    return list(db.session.execute(query.order_by(Archive.id.desc()).limit(limit)).scalars())


def export_package(user: User, archive: Archive) -> bytes:
    """The package ZIP as it leaves the server: an export, audited (who, which package, the
    SHA-256 of the bytes given) in the caller's writer's transaction."""
    data = archive_store().open(archive.package_sha256).read()
    record_event("archive.exported", actor=user, object_type="archive", object_id=str(archive.uuid),
                 details={"archive_no": archive.archive_no, "sha256": hashlib.sha256(data).hexdigest()})
    return data


def get_archive(archive_uuid) -> Archive:
    archive = db.session.execute(sa.select(Archive).where(Archive.uuid == archive_uuid)).scalar()
    if archive is None:
        raise ApiError("archive.not_found")
    return archive


def facts_of(archive: Archive) -> list[ArchiveFact]:
    return list(db.session.execute(sa.select(ArchiveFact).where(ArchiveFact.archive_id == archive.id)
                                   .order_by(ArchiveFact.id)).scalars())

