"""Standalone verifier of a FieldCase case file (一案一卷 ZIP), for a court, a legal reviewer or
the provincial platform, without our server or its database:

    python -m server.verify_case FILE.zip [--key-id KEY_ID]

Standard library and `cryptography` only. Checks every evidence file's SHA-256 and size, every
sealed document's SHA-256 and an archive package's metadata (server/verify_documents.py), every
audit entry's leaf hash (recomputed from its fields), every inclusion proof against the signed
checkpoint, the checkpoint's Ed25519 signature, that the export entry names exactly this case,
these entries, these files, who exported it and when, and what the events show beside their
hashed fields; and that each revision is the record its submission entry committed to (its
content hash recomputed), in the state the later entries gave it. Exit 0: all good; 1: something is broken (each named);
2: not a readable case file.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.audit import merkle
from server.audit.canonical import ENTRY_FIELDS, canonical_json, entry_bytes
from server.inspections.content import STATE_ACTIONS, record_sha256, revision_state, state_change
from server.verify_common import EXIT_DIFFERS, EXIT_UNREADABLE, EXIT_VERIFIED, Report, Unreadable
from server.verify_documents import check_archive, check_documents, document_paths
from server.verify_witness import check_witness

FORMAT = "fieldcase-casefile/v1"
CHECKPOINT_HEADER = "fieldcase-audit-checkpoint/v1"  # as server/audit/checkpoints.py signs it
EXPORT_ACTION = "casefile.exported"
SUBMIT_ACTION = "inspection.submitted"
PROOF_FIELDS = ("entry_hash", "leaf_index", "inclusion_proof")
BLOCK = 1024 * 1024


@dataclass
class CaseReport(Report):
    """The verifiers' report (server/verify_common.py), with the id of the key that signed."""

    key_id: str | None = None


def verify_case_file(path, expected_key_id: str | None = None) -> CaseReport:
    """Check a case file; raises Unreadable when there is nothing to check (no ZIP, no manifest,
    not this format)."""
    report = CaseReport()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"{path}: not a readable ZIP ({exc})") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
        except (KeyError, ValueError) as exc:
            raise Unreadable(f"manifest.json missing or not JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise Unreadable(f"manifest.json is not a {FORMAT} manifest")
        tree = _guard(report, "checkpoint / 检查点", _check_checkpoint, manifest, expected_key_id, report)
        proven = _guard(report, "events / 审计记录", _check_entries, manifest, tree, report) or {}
        _guard(report, "export entry / 导出记录", _check_export, manifest, proven, report)
        _guard(report, "record / 检查记录", _check_revisions, manifest, proven, report)
        _guard(report, "evidence files / 证据文件", _check_files, archive, manifest, report)
        _guard(report, "documents / 执法文书", check_documents, archive, manifest, proven, report)
        _guard(report, "archive / 档案", check_archive, manifest, proven, report)
        _guard(report, "witness / 见证", check_witness, manifest, tree, report)
    return report


def _guard(report: Report, section: str, check, *args):
    # A tampered manifest may lack fields or hold the wrong types: that is a finding, not a crash.
    try:
        return check(*args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        report.bad(f"manifest.json {section}: unreadable ({type(exc).__name__}: {exc})")
        return None


def _check_checkpoint(manifest: dict, expected_key_id: str | None, report: CaseReport):
    """The key, its id, and the signature over the checkpoint text; returns (size, root) if good."""
    raw = bytes.fromhex(manifest["public_key"]["hex"])
    public = Ed25519PublicKey.from_public_bytes(raw)
    report.key_id = key_id = hashlib.sha256(raw).hexdigest()[:16]
    report.lines.append(f"签名公钥指纹 key id: {key_id}（请与交通运输局公布的公钥核对 / compare with "
                        "the bureau's published key）")
    if expected_key_id and expected_key_id.lower() != key_id:
        report.bad(f"public key: key id {key_id} is not the expected {expected_key_id}")
    checkpoint = manifest["checkpoint"]
    if checkpoint["key_id"] != key_id or manifest["public_key"].get("key_id") != key_id:
        report.bad(f"checkpoint: signed by key id {checkpoint['key_id']}, manifest key is {key_id}")
    text = checkpoint["signed_text"]
    header, size, root, signed_at, *rest = text.split("\n")
    if header != CHECKPOINT_HEADER or rest != [""]:
        report.bad("checkpoint: signed text is not a fieldcase checkpoint")
        return None
    if (int(size), root) != (checkpoint["tree_size"], checkpoint["root_hash"]) or \
            datetime.fromisoformat(signed_at) != datetime.fromisoformat(checkpoint["signed_at"]):
        report.bad("checkpoint: tree size, root hash or time differ from the signed text")
    try:
        public.verify(bytes.fromhex(checkpoint["signature"]), text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        report.bad(f"checkpoint: signature invalid (size {size}, root {root})")
        return None
    report.good(f"checkpoint signature: {size} entries, root {root}, signed {signed_at}")
    return int(size), bytes.fromhex(root)


def _check_entries(manifest: dict, tree, report: Report) -> dict[int, dict]:
    """Recompute each entry's leaf and check its proof; returns the proven entries by seq."""
    proven, seen = {}, set()
    for event in manifest["events"]:
        seq, action = event["seq"], event["action"]
        name = f"entry seq {seq} ({action})"
        if seq in seen:
            report.bad(f"{name}: appears twice")
            continue
        seen.add(seq)
        leaf = merkle.leaf_hash(entry_bytes(event))
        if leaf.hex() != event["entry_hash"]:
            report.bad(f"{name}: content does not match its hash (edited)")
            continue
        proof = [bytes.fromhex(p) for p in event["inclusion_proof"]]
        if tree is None or event["leaf_index"] != seq - 1 or \
                not merkle.verify_inclusion(leaf, seq - 1, tree[0], proof, tree[1]):
            report.bad(f"{name}: not proven included in the signed checkpoint")
            continue
        proven[seq] = event
    if len(proven) == len(manifest["events"]):
        report.good(f"audit entries: {len(proven)} hashes recomputed, {len(proven)} inclusion proofs valid")
    return proven


def _check_export(manifest: dict, proven: dict[int, dict], report: Report) -> None:
    """The proven export entry must name this case's content, its entries and its files."""
    exports = [e for e in proven.values() if e["action"] == EXPORT_ACTION
               and e["details"].get("export_id") == manifest["export_id"]]
    if len(exports) != 1:
        report.bad(f"export entry: no proven {EXPORT_ACTION} entry for export {manifest['export_id']}")
        return
    export, before = exports[0], len(report.problems)
    details = export["details"]
    if manifest["exported_by"] != export["actor_username"]:
        report.bad(f"manifest.json exported_by: {manifest['exported_by']!r}, the export entry says "
                   f"{export['actor_username']!r}")
    if datetime.fromisoformat(manifest["exported_at"]) != datetime.fromisoformat(export["recorded_at"]):
        report.bad(f"manifest.json exported_at: {manifest['exported_at']}, the export entry says "
                   f"{export['recorded_at']}")
    _check_context(manifest, details, report)
    revisions = {r["uuid"] for r in manifest["case"]["revisions"]}
    if export["object_id"] not in revisions or manifest["inspection_uuid"] not in revisions:
        report.bad(f"export entry seq {export['seq']}: names another inspection")
    digest = hashlib.sha256(canonical_json(manifest["case"]).encode("utf-8")).hexdigest()
    if digest != details["case_sha256"]:
        report.bad("manifest.json case: the record differs from what the export entry signed "
                   f"(SHA-256 {digest}, signed {details['case_sha256']})")
    listed = set(details["trail"])
    present = {e["seq"] for e in manifest["events"]} - {export["seq"]}
    for seq in sorted(listed - present):
        report.bad(f"entry seq {seq}: listed by the export entry but missing from the case file")
    for seq in sorted(present - listed):
        report.bad(f"entry seq {seq}: not listed by the export entry")
    files = {item["uuid"]: item["file"]["sha256"] for item in manifest["case"]["evidence"] if item["file"]}
    if {e["uuid"]: e["sha256"] for e in details["evidence"]} != files:
        report.bad("manifest.json case: evidence hashes differ from those the export entry signed")
    if len(report.problems) == before:
        report.good(f"export entry seq {export['seq']}: names this record, {len(listed)} earlier "
                    f"entries and {len(files)} files")


def _check_context(manifest: dict, details: dict, report: Report) -> None:
    """What the events show beside their hashed fields (the actor's name, device times, the
    revision each is about) must be what the export entry committed to."""
    if "context_sha256" not in details:
        report.lines.append("[注意 NOTE]  events: exported before event context was signed; "
                            "actor names and device times are not covered")
        return
    events = sorted(manifest["events"], key=lambda e: e["seq"])
    contexts = [{k: v for k, v in e.items() if k not in ENTRY_FIELDS and k not in PROOF_FIELDS}
                for e in events]
    digest = hashlib.sha256(canonical_json(contexts).encode("utf-8")).hexdigest()
    if digest != details["context_sha256"]:
        report.bad("manifest.json events: what they show beside their hashed fields (the actors' "
                   "names actor_display_name, device_time, the revision or evidence each is about) "
                   f"differs from what the export entry signed (SHA-256 {digest}, signed "
                   f"{details['context_sha256']})")


def _check_revisions(manifest: dict, proven: dict[int, dict], report: Report) -> None:
    """Each revision in the case must be the one its proven submission entry committed to
    (content hash recomputed from the manifest), in the state the later entries gave it."""
    case = manifest["case"]
    states: dict[str, dict] = {}
    submitted: dict[str, dict] = {}
    for seq in sorted(proven):
        entry = proven[seq]
        if entry["action"] not in STATE_ACTIONS:
            continue
        if entry["action"] == SUBMIT_ACTION:
            submitted[entry["object_id"]] = entry
        key, facts = state_change(entry["action"], entry["object_id"], entry["details"])
        state = states.setdefault(key, {})
        for name, value in facts.items():
            state[name] = value(state.get(name)) if callable(value) else value
    for revision in case["revisions"]:
        uuid, before = revision["uuid"], len(report.problems)
        name = f"manifest.json case revision {revision['revision']} ({uuid})"
        entry = submitted.get(uuid)
        if entry is None:
            report.bad(f"{name}: no proven {SUBMIT_ACTION} entry in the case file")
            continue
        own = [{**item["declared"], "uuid": item["uuid"], "item_id": item["item_id"]}
               for item in case["evidence"] if item["revision_uuid"] == uuid]
        committed = entry["details"].get("record_sha256")
        if committed is None:
            report.lines.append(f"[注意 NOTE]  {name}: submitted before record hashes; only the "
                                "hash of the record as sent is compared")
            if revision["content_hash"] != entry["details"]["content_hash"]:
                report.bad(f"{name}: content_hash differs from entry seq {entry['seq']}")
        elif record_sha256(revision, own) != committed:
            report.bad(f"{name}: the record differs from what entry seq {entry['seq']} committed "
                       "to (subject, place, answers, officers, evidence or times altered)")
        shown = revision_state(revision)
        differ = [k for k, v in states.get(uuid, {}).items() if shown.get(k) != v]
        if differ:
            report.bad(f"{name}: {', '.join(differ)} differ from what the log's entries say")
        if len(report.problems) == before:
            report.good(f"{name}: the record and its state are those the log committed to "
                        f"(entry seq {entry['seq']})")


def _check_files(archive: zipfile.ZipFile, manifest: dict, report: Report) -> None:
    """Re-hash every evidence file; name missing, altered, duplicate and unexpected files."""
    names = [info.filename for info in archive.infolist()]
    for name in sorted({n for n in names if names.count(n) > 1}):
        report.bad(f"{name}: stored twice in the ZIP")
    expected = {}
    for item in manifest["case"]["evidence"]:
        if item["file"]:
            expected[item["path"]] = item["file"]
    checked = 0
    for path, facts in sorted(expected.items()):
        if path not in names:
            report.bad(f"{path}: missing from the ZIP (evidence {facts['sha256']})")
            continue
        digest, size = hashlib.sha256(), 0
        with archive.open(path) as f:
            while block := f.read(BLOCK):
                digest.update(block)
                size += len(block)
        if digest.hexdigest() != facts["sha256"] or size != facts["size"]:
            report.bad(f"{path}: SHA-256 {digest.hexdigest()} / {size} bytes, "
                       f"expected {facts['sha256']} / {facts['size']} bytes (altered or replaced)")
            continue
        checked += 1
    for name in sorted(set(names) - set(expected) - document_paths(manifest) - {"manifest.json", "README.txt"}):
        report.bad(f"{name}: unexpected file, not in the manifest")
    if checked == len(expected):
        report.good(f"evidence files: {checked} SHA-256 and sizes match")


def main(argv=None) -> int:
    """Command line: print what was found; exit 0 when everything verifies."""
    parser = argparse.ArgumentParser(prog="python -m server.verify_case",
                                     description="校验 FieldCase 电子案卷 / verify a FieldCase case file")
    parser.add_argument("file", help="the case file (ZIP)")
    parser.add_argument("--key-id", help="the bureau's published key id: fail if the file's differs")
    args = parser.parse_args(argv)
    try:
        report = verify_case_file(args.file, args.key_id)
    except Unreadable as exc:
        print(f"无法校验 / cannot verify: {exc}")
        return EXIT_UNREADABLE
    for line in report.lines:
        print(line)
    if report.ok:
        print(f"校验通过 / VERIFIED: {args.file} (key id {report.key_id})")
        return EXIT_VERIFIED
    print(f"校验失败 / FAILED: {len(report.problems)} problem(s) in {args.file}")
    return EXIT_DIFFERS


if __name__ == "__main__":
    sys.exit(main())
