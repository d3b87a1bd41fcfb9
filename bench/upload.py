"""Upload benchmark: a large evidence file through gunicorn with tus, beside the machine's limits.

    .venv/bin/python bench/upload.py            # 200 MB in 5 MB chunks
    .venv/bin/python bench/upload.py --size-mb 50 --chunk-mb 5

Measured in the same run (rounds interleaved, medians), on the same disk (a temporary folder beside the repository unless
--dir is given): the raw write+fsync rate (1 MiB writes, fsync every chunk, as the server does)
and the SHA-256 rate; the upload's MB/s end to end (every PATCH durable, the whole file re-hashed
and stored at the end); the growth of the worker's peak RSS (VmHWM) during the upload; and the
time to make the thumbnail and preview of a 12-megapixel JPEG with and without JPEG draft mode.
Targets (issue 5): upload >= half the raw disk rate; worker RSS growth < 50 MB.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
PASSWORD = "bench-password-123"


def raw_disk_rate(folder: Path, size: int, chunk: int) -> float:
    """MB/s of 1 MiB writes with an fsync after every chunk (the server's durability points)."""
    path = folder / "raw.bin"
    block = os.urandom(MB)
    started = time.perf_counter()
    with open(path, "wb") as f:
        written = 0
        while written < size:
            f.write(block)
            written += MB
            if written % chunk == 0 or written >= size:
                f.flush()
                os.fsync(f.fileno())
    elapsed = time.perf_counter() - started
    path.unlink()
    return size / MB / elapsed


def sha256_rate(size: int) -> float:
    """MB/s of hashlib.sha256 over 1 MiB blocks in memory."""
    block = os.urandom(MB)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(size // MB):
        digest.update(block)
    return size / MB / (time.perf_counter() - started)


def prepare(storage: Path, data_sha: str, size: int, rounds: int):
    """A migrated SQLite database with two officers and an inspection listing the file once
    per round (one evidence item each)."""
    from flask_migrate import upgrade

    from server import create_app
    from server.accounts import service as accounts
    from server.clock import local_today, utcnow
    from server.extensions import db
    from server.inspections.models import Evidence, Inspection, InspectionOfficer

    url = f"sqlite:///{storage / 'fieldcase.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage,
                      "ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1})
    with app.app_context():
        upgrade()
        accounts.create_team("A", "执法A中队")
        today = local_today()
        users = [accounts.create_user(name, PASSWORD, team_code="A", certificate_number="33" + name,
                                      certificate_valid_from=today - timedelta(days=1),
                                      certificate_valid_until=today + timedelta(days=300))
                 for name in ("bench1", "bench2")]
        now = utcnow()
        record, evidence_uuids = uuid.uuid4(), [uuid.uuid4() for _ in range(rounds)]
        db.session.add(Inspection(
            uuid=record, root_uuid=record, revision=1, status="incomplete", form_id="bench",
            form_version=1, submitted_by_id=users[0].id, team_id=users[0].team_id,
            subject_kind="vehicle", subject_name="浙F00000", started_at=now - timedelta(hours=1),
            finished_at=now, answers={}, computed={}, device_id="bench", app_version="bench",
            received_at=now, content_hash="0" * 64, evidence_expected=rounds, evidence_received=0,
            evidence_uuids=[str(u) for u in evidence_uuids]))
        for position, user in enumerate(users):
            db.session.add(InspectionOfficer(inspection_uuid=record, user_id=user.id,
                                             position=position, certificate_number="33" + user.username))
        for position, evidence_uuid in enumerate(evidence_uuids):
            db.session.add(Evidence(uuid=evidence_uuid, inspection_uuid=record, position=position,
                                    item_id="bodycam", sha256=data_sha, size=size,
                                    media_type="video/mp4", captured_at=now - timedelta(minutes=30)))
        db.session.commit()
        db.engine.dispose()
    return url, record, evidence_uuids


def start_server(url: str, storage: Path, log: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "FIELDCASE_DATABASE_URL": url, "FIELDCASE_STORAGE_DIR": str(storage),
           "FIELDCASE_BIND": f"127.0.0.1:{port}", "FIELDCASE_WORKERS": "1",
           "FIELDCASE_ARGON2_MEMORY_KIB": "1024", "FIELDCASE_ARGON2_TIME_COST": "1"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "--access-logfile", "/dev/null", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=5).ok:
                return process, base
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn did not start: {log.read_text()[-2000:]}")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def upload(base: str, record, evidence_uuid, source: Path, size: int, sha: str, chunk: int):
    import base64

    session = requests.Session()
    r = session.post(base + "/api/session", json={"username": "bench1", "password": PASSWORD})
    r.raise_for_status()
    session.headers.update({"X-CSRF-Token": r.json()["csrf_token"], "Tus-Resumable": "1.0.0"})
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
        "inspection_uuid": str(record), "evidence_uuid": str(evidence_uuid), "sha256": sha,
        "filename": "bodycam.mp4"}.items())
    r = session.post(base + "/api/uploads", headers={"Upload-Length": str(size), "Upload-Metadata": meta})
    r.raise_for_status()
    location = r.headers["Location"]
    started = time.perf_counter()
    offset = 0
    with open(source, "rb") as f:
        while offset < size:
            body = f.read(chunk)
            r = session.patch(location, data=body, headers={
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            if r.status_code != 204:
                raise SystemExit(f"PATCH at {offset}: {r.status_code} {r.text}")
            offset = int(r.headers["Upload-Offset"])
    elapsed = time.perf_counter() - started
    if r.headers.get("X-Evidence-Status") != "received":
        raise SystemExit(f"upload not received: {r.headers}")
    return elapsed


def thumbnail_times(folder: Path) -> tuple[float, float]:
    """Median seconds for preview + thumbnail of a 12 MP JPEG, with and without draft mode."""
    from PIL import Image

    from server.evidence.photos import make_previews

    path = folder / "12mp.jpg"
    image = Image.effect_noise((4000, 3000), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    results = []
    for draft in (True, False):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            make_previews(path, 64_000_000, draft=draft)
            times.append(time.perf_counter() - started)
        results.append(statistics.median(times))
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--chunk-mb", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    size, chunk = args.size_mb * MB, args.chunk_mb * MB
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-bench-", dir=args.dir or ROOT))
    try:
        storage = folder / "storage"
        storage.mkdir()
        source = folder / "bodycam.mp4"
        digest = hashlib.sha256()
        with open(source, "wb") as f:
            head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
            for i in range(size // MB):
                block = os.urandom(MB)
                block = head + block[len(head):] if i == 0 else block
                f.write(block)
                digest.update(block)
        sha = digest.hexdigest()
        hashing = sha256_rate(size)
        url, record, evidence_uuids = prepare(storage, sha, size, args.rounds)
        process, base = start_server(url, storage, folder / "gunicorn.log")
        disks, uploads = [], []
        try:
            pid = worker_pid(process.pid)
            requests.get(base + "/readyz")  # warm the worker up
            rss_before = status_kb(pid, "VmRSS")
            samples = []
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(status_kb(pid, "VmRSS"))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            stored = storage / "evidence" / sha[:2] / sha[2:4] / sha
            for evidence_uuid in evidence_uuids:  # rounds interleaved: both see the same load
                disks.append(raw_disk_rate(folder, size, chunk))
                uploads.append(size / MB / upload(base, record, evidence_uuid, source, size, sha, chunk))
                assert stored.stat().st_size == size, "stored file missing or wrong size"
                stored.unlink()  # the next round stores it again (the bench, not the app, deletes)
            stop.set()
            sampler.join()
            hwm = status_kb(pid, "VmHWM")
        finally:
            process.terminate()
            process.wait(timeout=30)
        rate, disk = statistics.median(uploads), statistics.median(disks)
        draft, full = thumbnail_times(folder)
        growth_mb = (max(max(samples), hwm) - rss_before) / 1024
        rows = [
            ("tus upload through gunicorn", f"{rate:.0f} MB/s", f"{disk:.0f} MB/s raw write+fsync",
             f"{rate / disk:.2f} (target >= 0.50)"),
            ("SHA-256 (hashlib)", f"{hashing:.0f} MB/s", "", ""),
            ("worker peak RSS growth", f"{growth_mb:.1f} MB", f"from {rss_before / 1024:.0f} MB",
             f"target < 50 MB"),
            ("12 MP JPEG -> preview+thumbnail, draft", f"{draft * 1000:.0f} ms",
             f"{full * 1000:.0f} ms without draft", f"{full / draft:.1f}x faster"),
        ]
        print(f"\nUpload benchmark: {args.size_mb} MB in {args.chunk_mb} MB PATCHes, "
              f"1 gunicorn worker (gthread), SQLite, {os.cpu_count()} CPUs, {folder.parent}; "
              f"medians of {args.rounds} interleaved rounds (upload MB/s: "
              f"{', '.join(f'{u:.0f}' for u in uploads)}; raw: {', '.join(f'{d:.0f}' for d in disks)})")
        widths = [max(len(r[i]) for r in rows + [("what", "FieldCase", "limit", "ratio")]) for i in range(4)]
        for row in [("what", "FieldCase", "limit", "ratio")] + rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
