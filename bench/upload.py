"""Upload benchmark: a large evidence file through gunicorn with tus, beside the machine's limits.

    .venv/bin/python bench/upload.py            # 200 MB in 5 MB chunks
    .venv/bin/python bench/upload.py --size-mb 50 --chunk-mb 5

Measured in the same run (rounds interleaved, medians), on the same disk (a temporary folder beside
the repository unless --dir is given): the raw write+fsync rate (1 MiB writes, fsync every chunk,
as the server does) and the SHA-256 rate; the upload's MB/s end to end (every PATCH durable, the
whole file re-hashed and stored at the end); the growth of the worker's peak RSS (VmHWM) during the
upload; and the time to make the thumbnail and preview of a 12-megapixel JPEG with and without JPEG
draft mode.
Targets (issue 5): upload >= half the raw disk rate; worker RSS growth < 50 MB.

`measure_large` and `measure_files` are what `python -m bench.all` calls; `measure_files` uploads
many photo-sized files one after another (the workload bench/peer.py runs against the peer).
"""
from __future__ import annotations

import argparse
import base64
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
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import MB, list_evidence, quiet_migrations, raw_disk_rate, sha256_rate  # noqa: E402
from testing.accounts import login_session  # noqa: E402

PASSWORD = "bench-password-123"


def prepare(storage: Path, files: list[tuple[str, int, str]]):
    """A migrated SQLite database with two officers and an inspection listing one evidence item
    per (sha256, size, media type) of `files`."""
    from flask_migrate import upgrade

    from server import create_app
    from server.accounts import service as accounts
    from server.clock import local_today
    from server.extensions import db

    url = f"sqlite:///{storage / 'fieldcase.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage,
                      "ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1})
    with app.app_context():
        with quiet_migrations():
            upgrade()
        accounts.create_team("A", "执法A中队")
        today = local_today()
        users = [accounts.create_user(name, PASSWORD, team_code="A", certificate_number="33" + name,
                                      certificate_valid_from=today - timedelta(days=1),
                                      certificate_valid_until=today + timedelta(days=300))
                 for name in ("bench1", "bench2")]
        record, evidence_uuids = list_evidence(users, files, "bodycam")
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


def login(base: str) -> requests.Session:
    session = login_session(base, "bench1", PASSWORD)
    session.headers["Tus-Resumable"] = "1.0.0"
    return session


def upload(base: str, record, evidence_uuid, source: Path, size: int, sha: str, chunk: int,
           session: requests.Session | None = None):
    """Seconds from the tus creation to the PATCH that stores the file (204, received)."""
    session = session or login(base)
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
        "inspection_uuid": str(record), "evidence_uuid": str(evidence_uuid), "sha256": sha,
        "filename": source.name}.items())
    started = time.perf_counter()
    r = session.post(base + "/api/uploads", headers={"Upload-Length": str(size), "Upload-Metadata": meta})
    r.raise_for_status()
    location = r.headers["Location"]
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


def thumbnail_times(folder: Path, rounds: int = 3) -> tuple[float, float]:
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
        for _ in range(rounds):
            started = time.perf_counter()
            make_previews(path, 64_000_000, draft=draft)
            times.append(time.perf_counter() - started)
        results.append(statistics.median(times))
    return results[0], results[1]


def bodycam_file(folder: Path, size: int) -> tuple[Path, str]:
    """`size` random bytes behind an MP4 header (sniffed as video/mp4) and their SHA-256."""
    source = folder / "bodycam.mp4"
    digest = hashlib.sha256()
    with open(source, "wb") as f:
        head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
        for i in range(size // MB):
            block = os.urandom(MB)
            block = head + block[len(head):] if i == 0 else block
            f.write(block)
            digest.update(block)
    return source, digest.hexdigest()


def photo_files(folder: Path, count: int, size: int = 1_800_000) -> list[Path]:
    """`count` different JPEG photos of exactly `size` bytes: one noisy 2.8-megapixel picture,
    padded with comment segments that number each copy (so every file has its own hash)."""
    from PIL import Image

    out = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((1920, 1440), 60) for _ in range(3)]).save(out, "JPEG", quality=80)
    picture = out.getvalue()
    if len(picture) + 64 > size:
        raise ValueError(f"base picture of {len(picture)} bytes does not fit in {size}")
    paths = []
    for n in range(count):
        padding, segments = size - len(picture), []
        while padding:
            body = min(padding - 4, 65533) if padding - 4 <= 65533 else 65533 - 8
            text = (f"bench photo {n:06d} ".encode() + b"." * body)[:body]
            segments.append(b"\xff\xfe" + (body + 2).to_bytes(2, "big") + text)
            padding -= body + 4
        path = folder / f"photo-{n:04d}.jpg"
        path.write_bytes(picture[:2] + b"".join(segments) + picture[2:])
        paths.append(path)
    return paths


def measure_large(size_mb: int, chunk_mb: int, rounds: int, folder: Path,
                  disk_rounds: bool = True) -> dict:
    """A `size_mb` body-camera file uploaded `rounds` times in `chunk_mb` PATCHes through one
    gunicorn worker; with `disk_rounds`, a raw write+fsync round before each upload."""
    size, chunk = size_mb * MB, chunk_mb * MB
    storage = folder / "storage-large"
    storage.mkdir()
    source, sha = bodycam_file(folder, size)
    url, record, evidence_uuids = prepare(storage, [(sha, size, "video/mp4")] * rounds)
    process, base = start_server(url, storage, folder / "gunicorn-large.log")
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
            if disk_rounds:
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
        source.unlink()
    return {"mb_per_s": statistics.median(uploads), "rounds": uploads, "disk_rounds": disks,
            "rss_before_mb": rss_before / 1024, "rss_growth_mb": (max(max(samples), hwm) - rss_before) / 1024}


def measure_files(paths: list[Path], folder: Path, chunk_mb: int = 5) -> dict:
    """The files uploaded one after another over one logged-in connection (tus creation, then
    PATCHes of `chunk_mb`, as the PWA does), each an evidence item of one inspection, each
    stored and its photo previews made before the next starts. The first one warms the worker
    up and is not timed."""
    storage = folder / "storage-files"
    storage.mkdir()
    files = [(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, "image/jpeg") for p in paths]
    url, record, evidence_uuids = prepare(storage, files)
    process, base = start_server(url, storage, folder / "gunicorn-files.log")
    try:
        session = login(base)
        jobs = list(zip(paths, evidence_uuids, files, strict=True))
        for n, (path, evidence_uuid, (sha, size, _)) in enumerate(jobs):
            if n == 1:
                started = time.perf_counter()
            upload(base, record, evidence_uuid, path, size, sha, chunk_mb * MB, session)
        elapsed = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    total = sum(size for _, size, _ in files[1:])
    return {"mb_per_s": total / MB / elapsed, "files_per_s": (len(files) - 1) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--chunk-mb", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-bench-", dir=args.dir or ROOT))
    try:
        hashing = sha256_rate(args.size_mb * MB)
        large = measure_large(args.size_mb, args.chunk_mb, args.rounds, folder)
        rate, disk = large["mb_per_s"], statistics.median(large["disk_rounds"])
        draft, full = thumbnail_times(folder)
        rows = [
            ("tus upload through gunicorn", f"{rate:.0f} MB/s", f"{disk:.0f} MB/s raw write+fsync",
             f"{rate / disk:.2f} (target >= 0.50)"),
            ("SHA-256 (hashlib)", f"{hashing:.0f} MB/s", "", ""),
            ("worker peak RSS growth", f"{large['rss_growth_mb']:.1f} MB",
             f"from {large['rss_before_mb']:.0f} MB", "target < 50 MB"),
            ("12 MP JPEG -> preview+thumbnail, draft", f"{draft * 1000:.0f} ms",
             f"{full * 1000:.0f} ms without draft", f"{full / draft:.1f}x faster"),
        ]
        print(f"\nUpload benchmark: {args.size_mb} MB in {args.chunk_mb} MB PATCHes, "
              f"1 gunicorn worker (gthread), SQLite, {os.cpu_count()} CPUs, {folder.parent}; "
              f"medians of {args.rounds} interleaved rounds (upload MB/s: "
              f"{', '.join(f'{u:.0f}' for u in large['rounds'])}; "
              f"raw: {', '.join(f'{d:.0f}' for d in large['disk_rounds'])})")
        widths = [max(len(r[i]) for r in rows + [("what", "FieldCase", "limit", "ratio")]) for i in range(4)]
        for row in [("what", "FieldCase", "limit", "ratio")] + rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
