"""Exporting a case file (一案一卷): the ZIP holds the records, the trail with proofs, the
checkpoint signed at export (covering the export entry itself), the public key and the
original files byte for byte; the export is audited."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from server.audit.models import AuditCheckpoint, AuditEntry
from server.extensions import db
from server.verify_case import verify_case_file


def export(client, record_uuid: str) -> zipfile.ZipFile:
    answer = client.get(f"/api/inspections/{record_uuid}/export")
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/zip"
    assert "attachment" in answer.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(answer.data))


def test_the_case_file_holds_records_trail_proofs_key_and_original_files(synced_case, login_as, tmp_path):
    supervisor = login_as("supervisor1")
    archive = export(supervisor, synced_case.uuid)
    manifest = json.loads(archive.read("manifest.json"))
    assert "一案一卷" in archive.read("README.txt").decode("utf-8")
    assert manifest["format"] == "fieldcase-casefile/v1"
    assert manifest["exported_by"] == "supervisor1"
    revision = manifest["case"]["revisions"][0]
    assert revision["uuid"] == synced_case.uuid and revision["answers"]["plate"] == "浙F12345"

    # The originals, byte for byte, named by their SHA-256.
    for item in manifest["case"]["evidence"]:
        data = archive.read(item["path"])
        assert data == synced_case.contents[item["uuid"]]
        assert item["path"] == f"evidence/{item['file']['sha256']}.jpg"
    assert len(manifest["case"]["evidence"]) == 7

    # The last entry is the export itself, and the checkpoint in the ZIP covers it.
    exported = manifest["events"][-1]
    assert exported["action"] == "casefile.exported" and exported["actor_username"] == "supervisor1"
    assert exported["details"]["export_id"] == manifest["export_id"]
    assert exported["details"]["trail"] == [e["seq"] for e in manifest["events"][:-1]]
    assert manifest["checkpoint"]["tree_size"] == exported["seq"]
    signed = db.session.get(AuditCheckpoint, exported["seq"])
    assert signed.reason == "export" and signed.root_hash == manifest["checkpoint"]["root_hash"]
    assert db.session.get(AuditEntry, exported["seq"]).entry_hash == exported["entry_hash"]
    key = supervisor.get("/api/audit/key").get_json()
    assert manifest["public_key"]["hex"] == key["public_key_hex"]
    assert manifest["public_key"]["key_id"] == key["key_id"]

    path = tmp_path / "case.zip"
    path.write_bytes(supervisor.get(f"/api/inspections/{synced_case.uuid}/export").data)
    report = verify_case_file(path, key["key_id"])
    assert report.ok, report.problems
    # A second export is a new entry, and its trail shows the first.
    second = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert [e["action"] for e in second["events"]][-2:] == ["casefile.exported"] * 2


def test_only_those_who_may_see_the_inspection_export_it(synced_case, login_as):
    url = f"/api/inspections/{synced_case.uuid}/export"
    before = db.session.execute(db.select(db.func.count()).select_from(AuditEntry)).scalar()
    for name in ("officer3", "reviewer1"):
        assert login_as(name).get(url).status_code == 404, name
    after = db.session.execute(db.select(db.func.count()).select_from(AuditEntry)).scalar()
    assert after - before == 2  # the two logins, and no export


def test_the_cli_exports_the_same_case_file(synced_case, runner, tmp_path):
    out = tmp_path / "案卷.zip"
    result = runner.invoke(args=["casefile", "export", synced_case.uuid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "key id" in result.output
    report = verify_case_file(out)
    assert report.ok, report.problems
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["exported_by"].startswith("cli:")
    assert not list(tmp_path.glob(".*.part"))
    missing = runner.invoke(args=["casefile", "export", "00000000-0000-0000-0000-000000000000",
                                  "-o", str(tmp_path / "none.zip")])
    assert missing.exit_code != 0 and not (tmp_path / "none.zip").exists()


def test_a_damaged_original_stops_the_export_and_nothing_is_recorded(synced_case, login_as, app):
    from server.evidence.storage import get_stores

    sha = synced_case.record["evidence"][0]["sha256"]
    stored = get_stores().originals.local_path(sha)
    stored.chmod(0o644)
    stored.write_bytes(b"\x00" + stored.read_bytes()[1:])  # same size, one byte changed
    before = db.session.execute(db.select(db.func.max(AuditEntry.seq))).scalar()
    answer = login_as("supervisor1").get(f"/api/inspections/{synced_case.uuid}/export")
    assert answer.status_code == 500 and answer.get_json()["code"] == "casefile.evidence_damaged"
    assert answer.get_json()["evidence"] == synced_case.record["evidence"][0]["uuid"]
    db.session.remove()
    after = db.session.execute(db.select(db.func.max(AuditEntry.seq))).scalar()
    assert after == before + 1  # the supervisor's login only
    assert not list((app.config["STORAGE_DIR"] / "exports").iterdir())  # the spooled ZIP is gone


def test_a_record_still_missing_evidence_exports_what_arrived(login_as, tmp_path):
    from tests.factories import overload_record

    from .conftest import fill_evidence, sync_record, upload_all

    officer = login_as("officer1")
    record = overload_record()
    contents = fill_evidence(record)
    sync_record(officer, record)
    arrived = {uuid: data for uuid, data in list(contents.items())[:3]}
    upload_all(officer, record, arrived)
    path = tmp_path / "partial.zip"
    path.write_bytes(officer.get(f"/api/inspections/{record['uuid']}/export").data)
    report = verify_case_file(path)
    assert report.ok, report.problems
    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"]["revisions"][0]["status"] == "incomplete"
    missing = [i for i in manifest["case"]["evidence"] if i["status"] == "missing"]
    assert len(missing) == 4 and all(i["path"] is None and i["file"] is None for i in missing)
    assert sorted(n for n in archive.namelist() if n.startswith("evidence/")) == sorted(
        f"evidence/{hashlib.sha256(d).hexdigest()}.jpg" for d in arrived.values())


def test_originals_are_copied_before_the_writers_lock_is_taken(synced_case, login_as, monkeypatch):
    from server import database
    from server.casefile import export

    intents, real = [], export._copy_originals

    def spy(archive, case, copied):
        intents.append((database._write_intent.get(), len(copied)))
        return real(archive, case, copied)

    monkeypatch.setattr(export, "_copy_originals", spy)
    assert login_as("admin").get(f"/api/inspections/{synced_case.uuid}/export").status_code == 200
    # First as a reader, copying all 7; then as the writer, with nothing left to copy.
    assert intents == [(False, 0), (True, 7)]
