"""Audit log costs: `audit verify` over 100,000 entries and 1,000 evidence files, and what the
log adds to a sync.

    .venv/bin/python -m bench.audit [--entries 100000] [--files 1000]

Prints verify time beside the machine's own SHA-256 rate and the raw cost of hashing the same
entries (measured in the same run), the append cost per event, and the log's share of a sync
batch (target: under 10%).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from bench.harness import PASSWORD, prepare_instance, print_table
from server import create_app
from server.audit.checkpoints import make_checkpoint
from server.audit.service import record_events
from server.audit.verify import VerifyReport, verify_log
from server.clock import utcnow
from server.extensions import db
from testing.accounts import login_test_client
from testing.records import overload_record, sync_body


def fill_log(entries: int) -> float:
    """Append `entries` events in batches of 500, a checkpoint every 10,000; seconds taken."""
    start = time.perf_counter()
    batch = 500
    for n in range(0, entries, batch):
        record_events([dict(action="bench.event", object_type="inspection", object_id=str(uuid.uuid4()),
                            details={"n": n + i, "sha256": hashlib.sha256(str(n + i).encode()).hexdigest()})
                       for i in range(min(batch, entries - n))])
        if (n + batch) % 10_000 == 0:
            make_checkpoint("bench")
        db.session.commit()
    make_checkpoint("bench")
    db.session.commit()
    return time.perf_counter() - start


def store_files(count: int, size: int) -> None:
    """`count` evidence files of `size` bytes, stored write-once as uploads store them."""
    from server.evidence.models import EvidenceFile
    from server.evidence.storage import get_stores
    from server.inspections.models import Evidence, Inspection, InspectionOfficer

    now = utcnow()
    inspection_uuid = uuid.uuid4()
    db.session.add(Inspection(
        uuid=inspection_uuid, root_uuid=inspection_uuid, revision=1, status="complete",
        form_id="overload", form_version=1, submitted_by_id=1, team_id=1, subject_kind="vehicle",
        subject_name="浙F00000", started_at=now - timedelta(hours=1), finished_at=now, answers={},
        computed={}, device_id="bench", app_version="bench", received_at=now, content_hash="0" * 64,
        evidence_uuids=[], evidence_expected=count, evidence_received=count))
    db.session.add(InspectionOfficer(inspection_uuid=inspection_uuid, user_id=1, position=0,
                                     certificate_number="bench"))
    originals = get_stores().originals
    for i in range(count):
        data = os.urandom(size)
        sha = hashlib.sha256(data).hexdigest()
        originals.put_bytes(sha, data)
        evidence_uuid = uuid.uuid4()
        db.session.add(Evidence(uuid=evidence_uuid, inspection_uuid=inspection_uuid, position=i,
                                item_id="scene_photos", sha256=sha, size=size, media_type="image/jpeg",
                                captured_at=now, received_at=now))
        db.session.add(EvidenceFile(evidence_uuid=evidence_uuid, sha256=sha, size=size,
                                    media_type="image/jpeg", kind="photo", stored_at=now, flags=[]))
    db.session.commit()


def sync_share(app, batches: int) -> tuple[float, float]:
    """Seconds per 50-record sync batch in-process, and seconds per 50 audit appends alone."""
    client = app.test_client()
    token = login_test_client(client, "officer1", PASSWORD)
    bodies = [json.dumps(sync_body(*[overload_record() for _ in range(50)])) for _ in range(batches + 1)]
    client.post("/api/sync", data=bodies[0], content_type="application/json", headers={"X-CSRF-Token": token})
    start = time.perf_counter()
    for body in bodies[1:]:
        assert client.post("/api/sync", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": token}).status_code == 200
    per_batch = (time.perf_counter() - start) / batches
    start = time.perf_counter()
    for _ in range(batches):
        record_events([dict(action="inspection.submitted", object_type="inspection",
                            object_id=str(uuid.uuid4()), details={"evidence": [{"uuid": str(uuid.uuid4()),
                            "sha256": "ab" * 32}] * 7, "content_hash": "cd" * 32}) for _ in range(50)])
        db.session.commit()
    return per_batch, (time.perf_counter() - start) / batches


def measure(entries: int, files: int, file_size: int, batches: int) -> dict:
    """A log of `entries` events and `files` stored files verified; what the log adds to sync."""
    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage,
                      "ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1})
    with app.app_context():
        fill_seconds = fill_log(entries)
        store_files(files, file_size)
        db.session.remove()
        data = os.urandom(64 * 1024 * 1024)
        start = time.perf_counter()
        hashlib.sha256(data).digest()
        sha_rate = 64 / (time.perf_counter() - start)
        report = VerifyReport()
        start = time.perf_counter()
        verify_log(report)
        log_seconds = time.perf_counter() - start
        from server.evidence.integrity import verify_evidence_files

        start = time.perf_counter()
        verify_evidence_files(report)
        files_seconds = time.perf_counter() - start
        assert report.ok, report.problems
        rows = db.session.execute(sa.select(sa.text("details")).select_from(sa.text("audit_entries"))).scalars().all()
        start = time.perf_counter()
        for r in rows:
            hashlib.sha256(b"\x00" + r.encode())
        raw_hash_seconds = time.perf_counter() - start
        per_batch, audit_per_batch = sync_share(app, batches)
        db.engine.dispose()
    return {"verify_log_s": log_seconds, "raw_leaf_hash_s": raw_hash_seconds,
            "verify_files_s": files_seconds, "files_mb": files * file_size / 1e6, "sha256_mb_per_s": sha_rate,
            "append_us": fill_seconds / entries * 1e6, "sync_batch_s": per_batch,
            "audit_per_batch_s": audit_per_batch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-size", type=int, default=256 * 1024)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    f = measure(args.entries, args.files, args.file_size, args.batches)
    megabytes, sha_rate = f["files_mb"], f["sha256_mb_per_s"]
    print_table(f"Audit log ({args.entries:,} entries, {args.files:,} files of {args.file_size // 1024} KB, SQLite)", [
        ("audit verify: entries and checkpoints", f"{f['verify_log_s']:.2f}", "s",
         f"raw leaf hashing {f['raw_leaf_hash_s']:.2f} s", f"{f['verify_log_s'] / f['raw_leaf_hash_s']:.1f}x"),
        ("audit verify: evidence files", f"{f['verify_files_s']:.2f}", "s",
         f"SHA-256 of {megabytes:.0f} MB at {sha_rate:,.0f} MB/s = {megabytes / sha_rate:.2f} s",
         f"{f['verify_files_s'] / (megabytes / sha_rate):.1f}x"),
        ("append cost per event (batches of 500)", f"{f['append_us']:.0f}", "µs", "", ""),
        ("sync batch of 50, in-process", f"{f['sync_batch_s'] * 1000:.1f}", "ms", "", ""),
        ("audit appends of that batch (50 events)", f"{f['audit_per_batch_s'] * 1000:.1f}", "ms",
         "10% of the sync batch", f"{f['audit_per_batch_s'] / f['sync_batch_s']:.3f}"),
    ])


if __name__ == "__main__":
    main()
