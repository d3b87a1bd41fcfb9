"""The tus 1.0.0 protocol as a phone uses it: create, send in chunks, resume, verify, finish."""
from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import current_app

from server.audit.models import AuditEntry
from server.evidence.models import EvidenceUpload
from server.extensions import db
from server.inspections.models import Evidence, Inspection
from testing.sql import statements_run

from . import samples
from .conftest import TUS, TusClient, stored_files


def actions(object_id) -> list[str]:
    return db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == str(object_id)).order_by(AuditEntry.seq)).scalars().all()


@dataclass
class StoredFile:
    name: str
    data: bytes

    def read_bytes(self) -> bytes:
        return self.data


def store_files(storage_dir=None) -> list[StoredFile]:
    """The originals the app's evidence store (local or S3) holds, sorted by key."""
    stored = stored_files(current_app.extensions["evidence_stores"].originals)
    return [StoredFile(key, data) for key, data in sorted(stored.items())]


def test_options_advertises_the_protocol(client):
    r = client.options("/api/uploads")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "expiration", "checksum", "termination"}
    assert "sha256" in r.headers["Tus-Checksum-Algorithm"].split(",")
    assert int(r.headers["Tus-Max-Size"]) > 0


def test_a_photo_sent_in_chunks_is_verified_stored_and_completes_the_record(
        create_inspection, tus_as, storage_dir):
    photo = samples.jpeg(taken=datetime(2026, 5, 1, 9, 30), offset="+08:00")
    record = create_inspection(photo)
    listed = record.evidence[0]
    tus = tus_as("officer1")
    created = tus.create(record, listed, filename="现场照片.jpg")
    assert created.status_code == 201 and created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Expires"].endswith("GMT")
    url = created.headers["Location"]

    head = tus.head(url)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(photo))
    assert head.headers["Cache-Control"] == "no-store"
    assert "sha256 " + base64.b64encode(listed.sha256.encode()).decode() in head.headers["Upload-Metadata"]

    third = len(photo) // 3
    r = tus.patch(url, photo[:third], 0)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(third)
    assert tus.head(url).headers["Upload-Offset"] == str(third)
    r = tus.patch(url, photo[third:2 * third], third)
    assert r.status_code == 204
    r = tus.patch(url, photo[2 * third:], 2 * third)
    assert r.status_code == 204, r.get_json()
    assert r.headers["X-Evidence-Status"] == "received"
    assert r.headers["X-Evidence-SHA256"] == listed.sha256
    assert r.headers["Upload-Offset"] == str(len(photo))

    stored = StoredFile(listed.sha256, photo)
    path = current_app.extensions["evidence_stores"].originals.local_path(listed.sha256)
    if path is not None:  # the local store keeps originals read-only (S3: Object Lock, tested apart)
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store_files(storage_dir) == [stored]
    assert list((storage_dir / "uploads").iterdir()) == []
    inspection = db.session.get(Inspection, record.uuid, populate_existing=True)
    assert inspection.status == "complete"
    assert db.session.get(Evidence, listed.uuid).received_at is not None
    assert actions(listed.uuid) == ["evidence.upload_started", "evidence.upload_completed",
                                    "evidence.received"]
    assert "inspection.completed" in actions(record.uuid)
    # HEAD after completion: the whole file is there
    assert tus.head(url).headers["Upload-Offset"] == str(len(photo))


def test_a_wrong_offset_is_refused_with_the_right_one_and_nothing_changes(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    assert tus.patch(url, listed.data[:100], 0).status_code == 204
    for wrong in (0, 50, 101, len(listed.data)):
        r = tus.patch(url, listed.data[wrong:wrong + 10], wrong)
        assert r.status_code == 409, wrong
        assert r.headers["Upload-Offset"] == "100" and r.get_json()["code"] == "upload.offset_mismatch"
    assert tus.head(url).headers["Upload-Offset"] == "100"
    for bad in ("-1", "abc", "", "1e3", "99999999999999999999"):
        assert tus.patch(url, b"x", 0, headers={"Upload-Offset": bad}).status_code == 400


def test_a_chunk_checksum_is_verified_and_a_bad_chunk_discarded(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    chunk = listed.data[:1000]

    def checksum(algorithm, data):
        return f"{algorithm} " + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()

    r = tus.patch(url, chunk, 0, headers={"Upload-Checksum": checksum("sha256", b"other bytes")})
    assert r.status_code == 460 and r.get_json()["code"] == "upload.checksum_mismatch"
    assert tus.head(url).headers["Upload-Offset"] == "0"
    r = tus.patch(url, chunk, 0, headers={"Upload-Checksum": checksum("sha256", chunk)})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"
    rest = listed.data[1000:]
    r = tus.patch(url, rest, 1000, headers={"Upload-Checksum": checksum("sha1", rest)})
    assert r.status_code == 204 and r.headers["X-Evidence-Status"] == "received"
    for bad in ("md5 AAAA", "sha256 not-base64!", "sha256 " + base64.b64encode(b"short").decode(), "sha256"):
        url2 = tus.create(record, listed).headers["Location"]
        assert tus.patch(url2, b"x", 0, headers={"Upload-Checksum": bad}).status_code == 400


def test_requests_without_tus_resumable_or_with_the_wrong_type_are_refused(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    r = tus.client.post("/api/uploads", headers={"Upload-Length": "10"})
    assert r.status_code == 412 and r.headers["Tus-Version"] == "1.0.0"
    url = tus.create(record, listed).headers["Location"]
    assert tus.client.head(url).status_code == 412
    r = tus.client.patch(url, data=b"abc", headers={"Upload-Offset": "0",
                                                   "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 412
    r = tus.patch(url, b"abc", 0, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 415 and r.get_json()["code"] == "upload.content_type"


@pytest.mark.parametrize("length, status, code", [
    ("-1", 400, "upload.length_invalid"), ("abc", 400, "upload.length_invalid"),
    ("", 400, "upload.length_invalid"), ("0", 400, "upload.empty"),
    ("99999999999999999999", 400, "upload.length_invalid"),
    (str(2 ** 62), 413, "upload.too_large"),
])
def test_negative_empty_and_huge_lengths_are_refused(create_inspection, tus_as, length, status, code):
    record = create_inspection(samples.jpeg())
    r = tus_as("officer1").create(record, record.evidence[0], length=length)
    assert r.status_code == status and r.get_json()["code"] == code
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvidenceUpload)).scalar() == 0


def test_a_length_other_than_the_listed_size_is_refused(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    r = tus_as("officer1").create(record, listed, length=len(listed.data) + 1)
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.size_differs"


@pytest.fixture
def small_limit(app_config):
    app_config["EVIDENCE_MAX_BYTES"] = 5000


def test_a_file_one_byte_over_the_limit_is_refused(small_limit, create_inspection, tus_as):
    at_limit, over = b"\xff\xd8\xff" + b"\x00" * 4997, b"\xff\xd8\xff" + b"\x00" * 4998
    record = create_inspection(at_limit, over)
    tus = tus_as("officer1")
    assert tus.create(record, record.evidence[0]).status_code == 201
    r = tus.create(record, record.evidence[1])
    assert r.status_code == 413 and r.get_json()["code"] == "upload.too_large"
    assert r.headers["Tus-Max-Size"] == "5000"


def test_metadata_must_name_a_listed_evidence_of_an_inspection_the_uploader_took_part_in(
        app, create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    other = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    assert tus.create(other, listed).get_json()["code"] == "evidence.not_listed"
    r = tus.client.post("/api/uploads", headers={**TUS, "Upload-Length": "10",
                                                 "Upload-Metadata": "inspection_uuid !!!"})
    assert r.status_code == 400 and r.get_json()["code"] == "upload.metadata_invalid"
    r = tus.create(record, listed, sha="xyz")
    assert r.status_code == 400 and "sha256" in r.get_json()["errors"]
    # officer3 (team B) cannot see the record: as if it did not exist
    assert tus_as("officer3").create(record, listed).status_code == 404
    # the supervisor sees it but did not take part: may not upload its evidence
    r = tus_as("supervisor1").create(record, listed)
    assert r.status_code == 403 and r.get_json()["code"] == "evidence.not_an_officer"
    # the co-officer may
    assert tus_as("officer2").create(record, listed).status_code == 201
    # not logged in
    assert TusClient(app.test_client()).create(record, listed).status_code == 401


def test_a_declared_hash_other_than_the_listed_one_is_refused_at_creation(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    r = tus_as("officer1").create(record, listed, sha="0" * 64)
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.declared_hash_differs"


def test_another_users_upload_is_not_found(create_inspection, tus_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    url = tus_as("officer1").create(record, listed).headers["Location"]
    for name in ("officer2", "officer3", "admin"):
        other = tus_as(name)
        assert other.head(url).status_code == 404
        assert other.patch(url, listed.data, 0).status_code == 404
        assert other.client.delete(url, headers=TUS).status_code == 404
    assert tus_as("officer1").head(url).headers["Upload-Offset"] == "0"
    assert tus_as("officer1").head(url.rsplit("/", 1)[0] + "/../../etc").status_code in (404, 405)


def test_a_patch_after_completion_changes_nothing(create_inspection, tus_as, storage_dir):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    first = tus.patch(url, listed.data, 0)
    assert first.status_code == 204
    again = tus.patch(url, b"", len(listed.data))  # completing twice answers the same
    assert again.status_code == 204
    assert {k: again.headers[k] for k in ("Upload-Offset", "X-Evidence-Status", "X-Evidence-SHA256")} \
        == {k: first.headers[k] for k in ("Upload-Offset", "X-Evidence-Status", "X-Evidence-SHA256")}
    r = tus.patch(url, b"more", len(listed.data))
    assert r.status_code == 409 and r.get_json()["code"] == "upload.completed"
    r = tus.patch(url, listed.data, 0)
    assert r.status_code == 409 and r.headers["Upload-Offset"] == str(len(listed.data))
    assert tus.client.delete(url, headers=TUS).status_code == 409
    assert [p.read_bytes() for p in store_files(storage_dir)] == [listed.data]


def test_termination_removes_an_unfinished_upload(create_inspection, tus_as, storage_dir):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    tus.patch(url, listed.data[:500], 0)
    r = tus.client.delete(url, headers=TUS)
    assert r.status_code == 204
    assert tus.head(url).status_code == 404
    assert tus.patch(url, listed.data[500:], 500).status_code == 404
    assert list((storage_dir / "uploads").iterdir()) == []
    assert "evidence.upload_terminated" in actions(listed.uuid)


def test_one_writer_at_a_time(app_config, create_inspection, tus_as, storage_dir):
    app_config["EVIDENCE_LOCK_WAIT_SECONDS"] = 0
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    partial = storage_dir / "uploads" / (url.rsplit("/", 1)[1] + ".part")
    with open(partial, "rb") as held:  # another connection is writing
        fcntl.flock(held, fcntl.LOCK_EX)
        r = tus.patch(url, listed.data, 0)
        assert r.status_code == 423 and r.headers["Retry-After"]
        assert tus.head(url).status_code == 423
    assert tus.patch(url, listed.data, 0).status_code == 204  # released: the lock is the file's


def test_a_hash_mismatch_leaves_the_evidence_missing_and_says_so(create_inspection, tus_as, storage_dir):
    photo = samples.jpeg()
    record = create_inspection(photo)
    listed = record.evidence[0]
    tampered = bytearray(photo)
    tampered[len(photo) // 2] ^= 0xFF
    tus = tus_as("officer1")
    r = tus.upload(record, listed, data=bytes(tampered))
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "evidence.hash_mismatch"
    assert body["declared_sha256"] == listed.sha256
    assert body["received_sha256"] == hashlib.sha256(tampered).hexdigest()
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is None
    assert db.session.get(Inspection, record.uuid, populate_existing=True).status == "incomplete"
    assert store_files(storage_dir) == [] and list((storage_dir / "uploads").iterdir()) == []
    assert actions(listed.uuid) == ["evidence.upload_started", "evidence.hash_mismatch"]
    # the phone sends the right bytes again: received
    assert tus.upload(record, listed).headers["X-Evidence-Status"] == "received"


def test_the_same_bytes_twice_give_one_file_and_different_bytes_never_replace_it(
        create_inspection, tus_as, storage_dir):
    photo = samples.jpeg()
    record = create_inspection(photo, photo)  # two listed items with the same bytes
    tus = tus_as("officer1")
    first = tus.upload(record, record.evidence[0])
    assert first.status_code == 204
    assert tus.upload(record, record.evidence[1]).status_code == 204
    again = tus.upload(record, record.evidence[0])  # the phone lost the answer and resends
    assert again.status_code == 204 and again.headers["X-Evidence-SHA256"] == first.headers["X-Evidence-SHA256"]
    assert [p.read_bytes() for p in store_files(storage_dir)] == [photo]
    other = samples.jpeg(color=(1, 2, 3))
    other = other[:len(photo)].ljust(len(photo), b"\x00")
    r = tus.upload(record, record.evidence[0], data=other)
    assert r.status_code == 409 and r.get_json()["code"] == "evidence.already_received"
    assert [p.read_bytes() for p in store_files(storage_dir)] == [photo]
    r = tus.create(record, record.evidence[0], sha=hashlib.sha256(other).hexdigest())
    assert r.status_code == 409 and r.get_json()["code"] == "evidence.already_received"
    assert db.session.get(Inspection, record.uuid, populate_existing=True).evidence_received == 2


def test_expired_uploads_are_refused_and_cleaned_up_but_evidence_never(
        create_inspection, tus_as, storage_dir, runner):
    record = create_inspection(samples.jpeg(), samples.jpeg(color=(9, 9, 9)))
    done, pending = record.evidence
    tus = tus_as("officer1")
    assert tus.upload(record, done).status_code == 204
    url = tus.create(record, pending).headers["Location"]
    tus.patch(url, pending.data[:300], 0)
    upload_id = url.rsplit("/", 1)[1]
    (storage_dir / "uploads" / "0123456789abcdef0123456789abcdef.part").write_bytes(b"orphan")
    old = datetime.now(timezone.utc) - timedelta(days=30)
    os.utime(storage_dir / "uploads" / "0123456789abcdef0123456789abcdef.part", (old.timestamp(),) * 2)
    db.session.execute(sa.update(EvidenceUpload).where(EvidenceUpload.id == upload_id)
                       .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    db.session.commit()
    assert tus.head(url).status_code == 410
    assert tus.patch(url, pending.data[300:], 300).status_code == 410
    result = runner.invoke(args=["evidence", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "expired uploads: 1" in result.output and "orphans: 1" in result.output
    assert list((storage_dir / "uploads").iterdir()) == []
    assert [p.read_bytes() for p in store_files(storage_dir)] == [done.data]
    assert db.session.get(EvidenceUpload, upload_id, populate_existing=True).failure == "expired"
    assert "evidence.upload_expired" in actions(pending.uuid)
    result = runner.invoke(args=["evidence", "cleanup"])
    assert "expired uploads: 0" in result.output
    assert [p.read_bytes() for p in store_files(storage_dir)] == [done.data]


def test_a_completion_interrupted_after_storing_is_finished_by_an_empty_patch(
        create_inspection, tus_as, storage_dir, monkeypatch):
    from server.evidence import service

    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    real = service.record_received

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(service, "record_received", crash)
    assert tus.patch(url, listed.data, 0).status_code == 500
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is None
    monkeypatch.setattr(service, "record_received", real)
    assert tus.head(url).headers["Upload-Offset"] == str(len(listed.data))
    r = tus.patch(url, b"", len(listed.data))
    assert r.status_code == 204 and r.headers["X-Evidence-Status"] == "received"
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is not None
    assert len(store_files(storage_dir)) == 1


def upload_cut_after_storing(create_inspection, tus_as, monkeypatch):
    """An upload whose every byte arrived and was stored, but whose process "died" before
    recording it: (tus client, upload URL, the listed evidence)."""
    from server.evidence import service

    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    with monkeypatch.context() as patched:
        patched.setattr(service, "record_received", lambda *a, **k: 1 / 0)
        assert tus.patch(url, listed.data, 0).status_code == 500
    return tus, url, listed


def test_cleanup_finishes_a_complete_upload_whose_recording_was_cut(
        create_inspection, tus_as, storage_dir, monkeypatch, runner):
    tus, url, listed = upload_cut_after_storing(create_inspection, tus_as, monkeypatch)
    result = runner.invoke(args=["evidence", "cleanup"])
    assert result.exit_code == 0 and "finished uploads: 1 (refused: 0)" in result.output, result.output
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is not None
    assert list((storage_dir / "uploads").iterdir()) == []
    assert "evidence.received" in actions(listed.uuid)
    assert tus.head(url).headers["Upload-Offset"] == str(len(listed.data))


def test_resuming_a_complete_upload_whose_recording_was_cut_finishes_it(
        create_inspection, tus_as, storage_dir, monkeypatch):
    """A tus client that finds every byte on the server (HEAD: full offset) takes the upload for
    done and sends nothing more: that HEAD finishes it, so the full offset is never a lie."""
    tus, url, listed = upload_cut_after_storing(create_inspection, tus_as, monkeypatch)
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is None

    head = tus.head(url)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(len(listed.data))
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is not None
    assert actions(listed.uuid).count("evidence.received") == 1
    assert list((storage_dir / "uploads").iterdir()) == []
    assert tus.head(url).headers["Upload-Offset"] == str(len(listed.data))  # and again: no second record
    assert actions(listed.uuid).count("evidence.received") == 1


def test_resuming_a_complete_upload_with_other_bytes_refuses_it(create_inspection, tus_as, storage_dir):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed).headers["Location"]
    partial = storage_dir / "uploads" / (url.rsplit("/", 1)[1] + ".part")
    tampered = bytearray(listed.data)
    tampered[len(tampered) // 2] ^= 0xFF
    partial.write_bytes(bytes(tampered))  # all bytes there, but not the file the record names
    assert tus.head(url).status_code == 422
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is None
    assert store_files(storage_dir) == []


def test_the_last_patch_reads_the_record_once_and_the_officer_not_again(create_inspection, tus_as):
    """Finishing a photo reads its record once, locked (the lock's own SELECT aside), and not a
    second time with every eager load, nor the officer again after the first step's commit:
    three statements fewer per photo (a photo's ingest costs CPU per statement)."""
    photo = samples.jpeg(taken=datetime(2026, 5, 1, 9, 30), offset="+08:00")
    record = create_inspection(photo)
    tus = tus_as("officer1")
    created = tus.create(record, record.evidence[0])
    assert created.status_code == 201
    with statements_run() as seen:
        answer = tus.patch(created.headers["Location"], record.evidence[0].data, 0)
    statements = [" ".join(statement.split()) for statement, _ in seen]
    assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
    records_read = [s for s in statements if s.startswith("SELECT inspections.uuid, inspections.root_uuid")]
    users_read = [s for s in statements if s.startswith("SELECT users.")]
    assert len(records_read) == 1, records_read
    assert len(users_read) == 1, users_read  # the session's user, before the view
    assert not any(s.startswith("SELECT inspection_officers") for s in statements), statements


def test_the_last_patch_writes_the_file_and_its_entries_in_few_statements(create_inspection, tus_as):
    """Finishing a photo that completes its record: the record is read once, locked; no look-up
    of a stored file while the evidence is not received yet (a file is stored exactly when it
    is); and the three audit entries (upload completed, evidence received, record completed)
    go in one INSERT, in that order: after one look-up of the log's end on SQLite, into the
    queue on PostgreSQL. Counted so that a later change cannot quietly bring statements back: a
    photo's ingest costs CPU per statement (issue 19; fifteen before in this PATCH, eleven now)."""
    photo = samples.jpeg(taken=datetime(2026, 5, 1, 9, 30), offset="+08:00")
    record = create_inspection(photo)
    listed = record.evidence[0]
    tus = tus_as("officer1")
    created = tus.create(record, listed)
    assert created.status_code == 201
    with statements_run(this_thread_only=True) as seen:
        answer = tus.patch(created.headers["Location"], listed.data, 0)
    assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
    statements = [" ".join(statement.split()) for statement, _ in seen]
    # On PostgreSQL the sequencer runs after the commit, in its own transaction (the log's lock).
    sequencer = [i for i, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    request = statements[:sequencer[0]] if sequencer else statements
    control = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
    own = [s for s in request if not s.startswith(control)]
    audit = [s for s in own if "audit_entries" in s or "audit_queue" in s]
    assert len([s for s in own if s.startswith("SELECT inspections.")]) == 1, own
    assert not any("FROM evidence_files" in s for s in own), own
    assert [s.split()[0] + " " + s.split()[2] for s in audit if s.startswith("INSERT")] == (
        ["INSERT audit_entries"] if db.engine.dialect.name == "sqlite" else ["INSERT audit_queue"]), audit
    assert len(audit) == (2 if db.engine.dialect.name == "sqlite" else 1), audit
    assert len(own) <= 11, own
    assert actions(listed.uuid) == ["evidence.upload_started", "evidence.upload_completed", "evidence.received"]
    assert actions(record.uuid)[-1] == "inspection.completed"
    completed, received = (db.session.execute(sa.select(AuditEntry.seq).where(
        AuditEntry.action == action, AuditEntry.object_id == str(listed.uuid))).scalar_one()
        for action in ("evidence.upload_completed", "evidence.received"))
    assert received == completed + 1


def test_a_photo_takes_the_writer_s_turn_once_to_create_and_once_to_finish(create_inspection, tus_as):
    """On SQLite every write of every worker queues for one writer's turn (BEGIN IMMEDIATE), so a
    photo holds it only to write: the session's user and the upload are looked up as a reader
    (BEGIN), then creating the upload takes the turn once and its last PATCH once, to finish."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer's turn is SQLite's")
    photo = samples.jpeg(taken=datetime(2026, 5, 1, 9, 30), offset="+08:00")
    record = create_inspection(photo)
    tus = tus_as("officer1")
    with statements_run(this_thread_only=True) as creating:
        created = tus.create(record, record.evidence[0])
    with statements_run(this_thread_only=True) as patching:
        answer = tus.patch(created.headers["Location"], record.evidence[0].data, 0)
    assert created.status_code == 201
    assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
    for seen in (creating, patching):
        statements = [" ".join(statement.split()) for statement, _ in seen]
        begins = [s for s in statements if s.startswith("BEGIN")]
        # The turn once; every other transaction a reader's (the audit checkpoint's look after
        # the commit is one).
        assert begins[0] == "BEGIN" and begins.count("BEGIN IMMEDIATE") == 1, statements
        first_read = next(s for s in statements if s.startswith("SELECT"))
        assert statements.index(first_read) < statements.index("BEGIN IMMEDIATE"), statements
