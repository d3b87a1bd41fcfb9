"""Export of a case file (一案一卷): a ZIP of the original evidence files, a manifest a court
can verify without our server, and a README in Chinese.

Order, so that the checkpoint in the ZIP covers the export itself:
1. Outside the writer's lock (a read transaction), copy every received original into the ZIP,
   re-hashing it on the way (hundreds of MB of video must not hold up syncs).
2. In the writer's transaction: copy anything that arrived meanwhile, append `casefile.exported`
   (naming the SHA-256 of the manifest's `case` section, every earlier trail entry, the SHA-256
   of what the events show beside their hashed fields, and every file's SHA-256), sign a
   checkpoint — which therefore includes that entry — and derive every inclusion proof from it.
   The caller commits; the ZIP is handed out only after the commit.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import uuid as uuidlib
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

from flask import current_app

from ..accounts.models import User
from ..audit import signing
from ..audit.canonical import ENTRY_FIELDS, canonical_json
from ..audit.checkpoints import make_checkpoint
from ..audit.service import record_event
from ..audit.witness_export import witness_section
from ..clock import to_local
from ..database import write_intent
from ..errors import ApiError
from ..evidence import media
from ..evidence.storage import StorageError, get_stores
from ..extensions import db
from ..inspections.access import get_visible_inspection
from ..inspections.models import Inspection
from ..inspections.schemas import InspectionSchema
from .documents import committed_documents, copy_documents, documents_section
from .readme import readme_text
from .schemas import TrailCheckpointSchema, TrailEventSchema, TrailEvidenceSchema
from .trail import Case, build_trail, case_entries, display_names, event_context, evidence_view, load_case

FORMAT = "fieldcase-casefile/v1"
COPY_BLOCK = 1024 * 1024

_record_schema = InspectionSchema(exclude=("revisions",))
# An event's fields that no leaf hash covers (nor its proof): what `context_sha256` covers.
_context_schema = TrailEventSchema(many=True, exclude=(*ENTRY_FIELDS, "entry_hash", "leaf_index",
                                                       "inclusion_proof"))


def spool_file() -> BinaryIO:
    """An anonymous temporary file under STORAGE_DIR/exports (gone when closed) for a ZIP."""
    folder = Path(current_app.config["STORAGE_DIR"]) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryFile(dir=folder)


def export_case_file(user: User | None, inspection_uuid: uuidlib.UUID, out: BinaryIO, *,
                     actor_username: str | None = None, subjects: tuple[tuple[str, str], ...] = (),
                     keep_document=None, archive_metadata=None) -> dict:
    """Write the case file of an inspection `user` may see (None: the server's operator) to
    `out`, record the export and sign a checkpoint covering it; returns the manifest.

    `subjects`: further subjects whose documents belong in it (("case", id)); `keep_document`:
    which of the documents to include (default all); `archive_metadata`:
    a function of the loaded case giving the `archive` section of an archive package
    (server/archive/), which the export entry then names by its SHA-256."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        db.session.rollback()  # a request that writes began as a writer: copy holding no lock
        with write_intent(False):
            copied = _copy_originals(archive, load_case(_find(user, inspection_uuid), subjects, keep_document), {})
            db.session.rollback()  # end the read-only transaction: the writer's lock is next
        manifest = _record_export(user, inspection_uuid, archive, copied, actor_username,
                                  (subjects, keep_document), archive_metadata)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", readme_text(manifest))
    return manifest


def _record_export(user: User | None, inspection_uuid, archive: zipfile.ZipFile,
                   copied: dict[str, str], actor_username: str | None,
                   selection: tuple, archive_metadata) -> dict:
    """In the writer's transaction: complete the files, append the export entry, sign a
    checkpoint covering it and build the manifest from that checkpoint."""
    inspection = _find(user, inspection_uuid)
    case = load_case(inspection, *selection)
    copied = _copy_originals(archive, case, copied)  # anything that arrived since the copy
    documents = copy_documents(archive, case, {})
    record = _json(case_record(case, copied))
    earlier = case_entries(case)
    details = {"export_id": str(uuidlib.uuid4()), "root": str(inspection.root_uuid),
               "case_sha256": case_sha256(record),
               "trail": [e.seq for e in earlier],
               "context_sha256": _context_sha256(case, earlier, user, inspection),
               "evidence": [{"uuid": str(e.uuid), "sha256": case.files[e.uuid].sha256}
                            for e in case.evidence if e.uuid in case.files],
               "documents": committed_documents(case)}
    metadata = _json(archive_metadata(case)) if archive_metadata else None
    if metadata is not None:
        details["archive_sha256"] = case_sha256(metadata)
    event = record_event("casefile.exported", actor=user, actor_username=actor_username,
                         object_type="inspection", object_id=inspection.uuid, details=details)
    checkpoint = make_checkpoint("export")
    trail = build_trail(inspection, checkpoint=checkpoint, subjects=selection[0], keep=selection[1])
    public = signing.signing_key().public_key()
    manifest = {
        "format": FORMAT,
        "export_id": json.loads(event.details)["export_id"],
        "exported_at": event.recorded_at.isoformat(),
        "exported_by": event.actor_username,
        "inspection_uuid": str(inspection.uuid),
        "case": record,
        "events": _json(TrailEventSchema(many=True).dump(trail["events"])),
        "checkpoint": _json(TrailCheckpointSchema().dump(trail["checkpoint"])),
        "public_key": {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                       "hex": signing.public_key_raw(public).hex(),
                       "pem": signing.public_key_pem(public)},
        "witness": witness_section(checkpoint),
        "documents": documents_section(case, documents),
    }
    if metadata is not None:
        manifest["archive"] = metadata
    return manifest


def case_record(case: Case, paths: dict[str, str]) -> dict:
    """The `case` section: every revision as the API shows it, every evidence item with its
    stored facts and its path in the ZIP (null: not received)."""
    evidence = TrailEvidenceSchema(many=True).dump(
        [evidence_view(case, e) for e in case.evidence])
    for item, row in zip(evidence, case.evidence, strict=True):
        file = case.files.get(row.uuid)
        item["path"] = paths.get(file.sha256) if file else None
    return {"inspection_uuid": str(case.inspection.uuid), "root_uuid": str(case.inspection.root_uuid),
            "revisions": [_record_schema.dump(r) for r in case.revisions], "evidence": evidence}


def _context_sha256(case: Case, earlier: list, user: User | None, inspection: Inspection) -> str:
    """SHA-256 of what the manifest's events show beside their hashed fields (who the actor is
    called, device times, the revision each is about), the export's own event last: the fields
    no leaf hash covers, committed to by the export entry (verify_case.py recomputes it)."""
    export = SimpleNamespace(action="casefile.exported", object_type="inspection",
                             object_id=str(inspection.uuid), actor_id=getattr(user, "id", None))
    names = display_names({e.actor_id for e in [*earlier, export]} - {None})
    contexts = _context_schema.dump([event_context(case, e, names) for e in [*earlier, export]])
    return hashlib.sha256(canonical_json(_json(contexts)).encode("utf-8")).hexdigest()


def case_sha256(record: dict) -> str:
    """SHA-256 (hex) of the `case` section as canonical JSON: what the export entry names."""
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


def _json(value):
    # The manifest is hashed as its readers will parse it: JSON values only.
    return json.loads(json.dumps(value, ensure_ascii=False))


def _find(user: User | None, inspection_uuid) -> Inspection:
    if user is not None:
        return get_visible_inspection(user, inspection_uuid)
    inspection = db.session.get(Inspection, inspection_uuid)
    if inspection is None:
        raise ApiError("request.not_found", "检查记录不存在。")
    return inspection


def _copy_originals(archive: zipfile.ZipFile, case: Case, copied: dict[str, str]) -> dict[str, str]:
    """Add each received original not yet in the ZIP, byte for byte, re-hashed on the way;
    returns SHA-256 → path in the ZIP."""
    originals = get_stores().originals
    for file in case.files.values():
        if file.sha256 in copied:
            continue
        path = f"evidence/{file.sha256}.{media.extension_of(file.media_type)}"
        info = zipfile.ZipInfo(path, date_time=to_local(file.stored_at).timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # photos and video are compressed already
        info.file_size = file.size
        digest = hashlib.sha256()
        try:
            with originals.open(file.sha256) as source, archive.open(info, "w", force_zip64=True) as target:
                while block := source.read(COPY_BLOCK):
                    digest.update(block)
                    target.write(block)
        except StorageError as exc:
            raise ApiError("casefile.evidence_damaged", evidence=str(file.evidence_uuid)) from exc
        if digest.hexdigest() != file.sha256:
            raise ApiError("casefile.evidence_damaged", evidence=str(file.evidence_uuid))
        copied[file.sha256] = path
    return copied
