"""The documents and archive sections of a case file, for `python -m server.verify_case`
(standard library only, like the rest of it).

- `documents`: each sealed document's file must hash to the SHA-256 its own proven
  `document.signed` entry committed to; the export entry must name exactly these documents;
  the number shown must be the one its proven `document.issued` entry gave it. The seal inside
  each PDF is checked with pyHanko (README: `pyhanko sign validate`), not here.
- `archive` (an archive package, 电子档案): its metadata (retention, title, party …) must be
  what the export entry committed to (`archive_sha256`).
"""
from __future__ import annotations

import hashlib
import zipfile

from server.audit.canonical import canonical_json

EXPORT_ACTION = "casefile.exported"


def export_entry(manifest: dict, proven: dict[int, dict]) -> dict | None:
    exports = [e for e in proven.values() if e["action"] == EXPORT_ACTION
               and e["details"].get("export_id") == manifest["export_id"]]
    return exports[0] if len(exports) == 1 else None


def document_paths(manifest: dict) -> set[str]:
    return {d["path"] for d in manifest.get("documents") or () if d.get("path")}


def check_documents(archive: zipfile.ZipFile, manifest: dict, proven: dict[int, dict], report) -> None:
    export = export_entry(manifest, proven)
    if export is None:
        return  # named by the export check
    listed = manifest.get("documents") or []
    committed = export["details"].get("documents")
    if committed is None:
        if listed:
            report.bad("manifest.json documents: the export entry names no documents")
        return
    shown = [{"uuid": d["uuid"], "signed_sha256": d["signed_sha256"]} for d in listed]
    if sorted(shown, key=lambda d: d["uuid"]) != sorted(committed, key=lambda d: d["uuid"]):
        report.bad("manifest.json documents: the documents or their seals' SHA-256 differ from "
                   "what the export entry signed (a document added, removed or swapped)")
    issued = {e["object_id"]: e for e in proven.values() if e["action"] == "document.issued"}
    sealed = {e["object_id"]: e for e in proven.values() if e["action"] == "document.signed"}
    names = set(archive.namelist())
    before, files = len(report.problems), 0
    for document in listed:
        name = f"document {document['number']} ({document['uuid']})"
        entry = issued.get(document["uuid"])
        if entry is None or entry["details"]["number"] != document["number"]:
            report.bad(f"{name}: no proven document.issued entry gives it this number")
        if document["signed_sha256"] is None:
            continue
        seal = sealed.get(document["uuid"])
        if seal is None or seal["details"]["signed_sha256"] != document["signed_sha256"]:
            report.bad(f"{name}: no proven document.signed entry for SHA-256 {document['signed_sha256']}")
        path = document["path"]
        if path not in names:
            report.bad(f"{path}: missing from the ZIP ({name})")
            continue
        digest = hashlib.sha256(archive.read(path)).hexdigest()
        if digest != document["signed_sha256"]:
            report.bad(f"{path}: SHA-256 {digest}, the sealed {name} is {document['signed_sha256']} "
                       "(altered or replaced)")
            continue
        files += 1
    if listed and len(report.problems) == before:
        report.good(f"documents: {len(listed)} numbered as issued, {files} sealed files match "
                    "what their seal entries committed to")


def check_archive(manifest: dict, proven: dict[int, dict], report) -> None:
    export = export_entry(manifest, proven)
    if export is None:
        return
    committed = export["details"].get("archive_sha256")
    if committed is None and "archive" not in manifest:
        return
    if committed is None or "archive" not in manifest:
        report.bad("manifest.json archive: present in only one of the manifest and the export entry")
        return
    digest = hashlib.sha256(canonical_json(manifest["archive"]).encode("utf-8")).hexdigest()
    if digest != committed:
        report.bad("manifest.json archive: the archive metadata (保管期限, title, party …) differs "
                   f"from what the export entry signed (SHA-256 {digest}, signed {committed})")
        return
    meta = manifest["archive"]
    report.good(f"archive metadata: {meta.get('archive_no')} 保管期限 {meta.get('retention')}, as signed")
