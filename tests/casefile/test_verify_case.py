"""The standalone verifier: an untouched case file verifies; every tampering is found and named.
It runs in a bare interpreter (-I) in which Flask, SQLAlchemy and marshmallow cannot be imported."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from server.audit.checkpoints import HEADER
from server.extensions import db
from server.inspections.models import Inspection
from server.verify_case import CHECKPOINT_HEADER, verify_case_file
from server.verify_common import EXIT_UNREADABLE, Unreadable

ROOT = Path(__file__).resolve().parents[2]

# Runs the verifier as `python -I -m server.verify_case`, with the server's heavy dependencies
# made unimportable, and checks afterwards that none of them was loaded.
BARE_RUN = """
import importlib.abc, runpy, sys
FORBIDDEN = {"flask", "sqlalchemy", "marshmallow", "werkzeug", "flask_smorest", "PIL", "psycopg"}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"{name} must not be needed by the verifier")
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv.pop(1))
sys.argv[0] = "verify_case"
try:
    runpy.run_module("server.verify_case", run_name="__main__")
except SystemExit as exit:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, loaded
    raise
"""


def run_bare(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", "-c", BARE_RUN, str(ROOT), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def case_zip(synced_case, login_as, tmp_path) -> Path:
    path = tmp_path / "case.zip"
    answer = login_as("supervisor1").get(f"/api/inspections/{synced_case.uuid}/export")
    assert answer.status_code == 200
    path.write_bytes(answer.data)
    return path


def rewrite(source: Path, target: Path, *, change=None, drop=(), add=None) -> Path:
    """Copy a ZIP, changing members (name -> function of the old bytes), dropping or adding some."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            data = old.read(info.filename)
            if change and info.filename in change:
                data = change[info.filename](data)
            new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def edit_manifest(edit):
    def apply(data: bytes) -> bytes:
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest, ensure_ascii=False).encode()
    return apply


def flip(data: bytes, at: int = -10) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_an_untouched_case_file_verifies_in_a_bare_interpreter(case_zip):
    manifest = json.loads(zipfile.ZipFile(case_zip).read("manifest.json"))
    key_id = manifest["public_key"]["key_id"]
    result = run_bare(case_zip, "--key-id", key_id)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"key id: {key_id}" in result.stdout and "校验通过 / VERIFIED" in result.stdout
    assert "7 SHA-256 and sizes match" in result.stdout

    other = rewrite(case_zip, case_zip.with_name("bad.zip"), change={
        manifest["case"]["evidence"][0]["path"]: flip})
    result = run_bare(other)
    assert result.returncode == 1, result.stdout + result.stderr
    assert manifest["case"]["evidence"][0]["path"] in result.stdout and "FAILED" in result.stdout
    assert run_bare(case_zip.with_name("absent.zip")).returncode == 2
    assert CHECKPOINT_HEADER == HEADER  # the verifier's copy of the header is the one signed


def test_every_tampering_is_found_and_named(case_zip, tmp_path):
    manifest = json.loads(zipfile.ZipFile(case_zip).read("manifest.json"))
    paths = [item["path"] for item in manifest["case"]["evidence"]]
    first, second = paths[0], paths[1]
    archive = zipfile.ZipFile(case_zip)
    same_size = (archive.read(second) * 2)[:len(archive.read(first))]
    received = next(e for e in manifest["events"] if e["action"] == "evidence.received")
    dropped = manifest["events"][1]
    forger = Ed25519PrivateKey.generate()

    def forge_key(m):
        # Re-sign the same root with another key: only the key id tells (compare it with the bureau's).
        raw = forger.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        key_id = hashlib.sha256(raw).hexdigest()[:16]
        m["public_key"].update(hex=raw.hex(), key_id=key_id)
        m["checkpoint"].update(key_id=key_id,
                               signature=forger.sign(m["checkpoint"]["signed_text"].encode()).hex())

    def other_root(m):
        fake = "00" * 32
        m["checkpoint"]["signed_text"] = m["checkpoint"]["signed_text"].replace(m["checkpoint"]["root_hash"], fake)
        m["checkpoint"]["root_hash"] = fake

    cases = {
        "flipped byte": (dict(change={first: flip}), [first]),
        "same-size replacement": (dict(change={first: lambda _: same_size}), [first]),
        "file removed": (dict(drop={second}), [second, "missing"]),
        "file added": (dict(add={"evidence/extra.jpg": b"x"}), ["evidence/extra.jpg", "unexpected"]),
        "entry edited": (dict(change={"manifest.json": edit_manifest(
            lambda m: next(e for e in m["events"] if e["seq"] == received["seq"])["details"].update(
                sha256="0" * 64))}), [f"entry seq {received['seq']} (evidence.received)", "edited"]),
        "entry dropped": (dict(change={"manifest.json": edit_manifest(
            lambda m: m["events"].remove(next(e for e in m["events"] if e["seq"] == dropped["seq"])))}),
            [f"entry seq {dropped['seq']}", "missing from the case file"]),
        "record edited": (dict(change={"manifest.json": edit_manifest(
            lambda m: m["case"]["revisions"][0]["subject"].update(name="浙F99999"))}),
            ["manifest.json case", "differs"]),
        "root altered": (dict(change={"manifest.json": edit_manifest(other_root)}),
                         ["checkpoint: signature invalid", "not proven"]),
        "signature altered": (dict(change={"manifest.json": edit_manifest(
            lambda m: m["checkpoint"].update(signature=flip(bytes.fromhex(m["checkpoint"]["signature"])).hex()))}),
            ["checkpoint: signature invalid"]),
        "key replaced": (dict(change={"manifest.json": edit_manifest(forge_key)}),
                         ["is not the expected " + manifest["public_key"]["key_id"]]),
        # Fields beside the hashed ones: each covered by the export entry.
        "exporter renamed": (dict(change={"manifest.json": edit_manifest(
            lambda m: m.update(exported_by="admin"))}), ["manifest.json exported_by: 'admin'"]),
        "export time moved": (dict(change={"manifest.json": edit_manifest(
            lambda m: m.update(exported_at="2026-01-01T00:00:00+00:00"))}),
            ["manifest.json exported_at: 2026-01-01T00:00:00+00:00"]),
        "actor renamed": (dict(change={"manifest.json": edit_manifest(
            lambda m: m["events"][0].update(actor_display_name="张三"))}),
            ["manifest.json events", "actor_display_name", "differs from what the export entry signed"]),
        "device time moved": (dict(change={"manifest.json": edit_manifest(
            lambda m: m["events"][0].update(device_time="2026-01-01T08:00:00+08:00"))}),
            ["manifest.json events", "device_time", "differs from what the export entry signed"]),
    }
    ran = 0
    for name, (tampering, expected) in cases.items():
        tampered = rewrite(case_zip, tmp_path / f"{ran}.zip", **tampering)
        report = verify_case_file(tampered, manifest["public_key"]["key_id"])
        found = " | ".join(report.problems)
        assert not report.ok, name
        for words in expected:
            assert words in found, (name, words, found)
        ran += 1
    assert ran == len(cases) == 14
    assert verify_case_file(rewrite(case_zip, tmp_path / "copy.zip")).ok  # rewriting alone changes nothing


def test_what_is_not_a_case_file_is_refused(tmp_path):
    """Refused with the exception and the exit code every standalone verifier uses for it."""
    not_zip = tmp_path / "a.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(Unreadable):
        verify_case_file(not_zip)
    result = run_bare(not_zip)
    assert result.returncode == EXIT_UNREADABLE == 2, result.stderr
    assert result.stdout.startswith("无法校验 / cannot verify: ") and "not a readable ZIP" in result.stdout
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.writestr("manifest.json", "{}")
    with pytest.raises(Unreadable):
        verify_case_file(tmp_path / "b.zip")


def export_zip(login_as, record_uuid: str, path: Path) -> Path:
    answer = login_as("supervisor1").get(f"/api/inspections/{record_uuid}/export")
    assert answer.status_code == 200, answer.get_json()
    path.write_bytes(answer.data)
    return path


def test_a_record_rewritten_in_the_database_is_named_in_its_case_file(synced_case, login_as, tmp_path):
    """Someone with the database changes the subject, a check's answer and the count of failed
    checks (triggers dropped first), then exports: the file is signed, but its record is not the
    one the submission entry committed to."""
    from tests.audit.tampering import tamper

    sqlite = db.engine.dialect.name == "sqlite"
    tamper("UPDATE inspections SET subject_name = :s, failed_checks = 1, answers = "
           + ("json_set(answers, '$.within_limit', json(:f))" if sqlite
              else "jsonb_set(answers, '{within_limit}', CAST(:f AS jsonb))") + " WHERE uuid = :u",
           s="浙F99999 (altered)", f='{"result": "fail"}',
           u=uuid.UUID(synced_case.uuid).hex if sqlite else synced_case.uuid)
    report = verify_case_file(export_zip(login_as, synced_case.uuid, tmp_path / "case.zip"))
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith(f"manifest.json case revision 1 ({synced_case.uuid}): the "
                                         "record differs from what entry seq"), report.problems


def test_a_return_comment_rewritten_in_the_database_is_named_in_its_case_file(synced_case, login_as, tmp_path):
    from tests.audit.tampering import tamper

    returned = login_as("supervisor1").post(f"/api/inspections/{synced_case.uuid}/review/return", json={
        "expected_status": "complete", "comment": "称重单照片不清晰，请补拍。"})
    assert returned.status_code == 200, returned.get_json()
    fine = verify_case_file(export_zip(login_as, synced_case.uuid, tmp_path / "fine.zip"))
    assert fine.ok, fine.problems
    assert any("the record and its state are those the log committed to" in line for line in fine.lines)
    tamper(sa.update(Inspection).where(Inspection.uuid == uuid.UUID(synced_case.uuid))
           .values(return_comment="照片清楚。"))
    report = verify_case_file(export_zip(login_as, synced_case.uuid, tmp_path / "case.zip"))
    assert [p for p in report.problems if "return_comment differ from what the log's entries say" in p], \
        report.problems
