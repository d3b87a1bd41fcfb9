"""Shared bench plumbing: a migrated FieldCase with users on a temp folder, inspections waiting
for their evidence files, gunicorn, the machine's limits (raw SQLite, disk write+fsync, SHA-256),
a table."""
from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.config import Config  # noqa: E402
from server.extensions import db  # noqa: E402
from testing import FAST_HASHING, PASSWORD  # noqa: E402,F401
from testing.live import start_gunicorn, stop_gunicorn  # noqa: E402,F401

# Benchmarks run gunicorn as `make run` does: the app's default worker count for this machine.
DEFAULT_WORKERS = Config().WORKERS


TEAM_SIZE = 10
NUMERALS = "一二三四五六七八九十"


def officer_names(count: int) -> list[str]:
    return [f"officer{n}" for n in range(1, count + 1)]


_SCRATCH: list[Path] = []


def remove_at_exit(folder: Path) -> Path:
    """`folder`, removed when the process ends (a benchmark's instance holds 150 MB and more):
    each bench that made one would otherwise leave it in the temp folder."""
    if not _SCRATCH:
        atexit.register(_remove_scratch)
    _SCRATCH.append(folder)
    return folder


def _remove_scratch() -> None:
    for folder in _SCRATCH:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def quiet_migrations():
    """Alembic's INFO lines (each migration's whole docstring, about 1,000 lines for a fresh
    database) left out of a bench's output; its warnings and errors still show. The migrations'
    env.py configures logging anew on every upgrade (fileConfig), so a logger's level set before
    it would not hold: `logging.disable` is the one switch that configuration leaves alone. What
    was disabled before (a caller's own, higher switch) is what holds again afterwards."""
    before = logging.root.manager.disable
    logging.disable(max(before, logging.INFO))
    try:
        yield
    finally:
        logging.disable(before)


def prepare_instance(database_url: str | None = None, officers: int = 2) -> tuple[str, Path]:
    """A fresh storage folder and migrated database with `officers` certified officers,
    officer1, officer2 …, in teams of ten: A 执法一中队, B 执法二中队 …; the folder is removed
    when the process ends, if its bench has not removed it before."""
    from flask_migrate import upgrade

    from server.accounts import service
    from server.clock import local_today

    storage = remove_at_exit(Path(tempfile.mkdtemp(prefix="fieldcase-bench-")))
    url = database_url or f"sqlite:///{storage / 'fieldcase.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    with app.app_context():
        with quiet_migrations():
            upgrade()
        today = local_today()
        for n, name in enumerate(officer_names(officers)):
            team = n // TEAM_SIZE
            if n % TEAM_SIZE == 0:
                number = NUMERALS[team] if team < len(NUMERALS) else str(team + 1)
                service.create_team(chr(ord("A") + team), f"执法{number}中队")
            service.create_user(name, PASSWORD, team_code=chr(ord("A") + team),
                                certificate_number="330" + name,
                                certificate_valid_from=today - timedelta(days=10),
                                certificate_valid_until=today + timedelta(days=300))
        db.session.commit()
        db.engine.dispose()
    return url, storage


def list_evidence(officers: list, files: list[tuple[str, int, str]],
                  item_id: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An inspection by `officers` (the first submitted it) listing one evidence item of
    `item_id` per (sha256, size, media type) of `files`, none received yet: what tus uploads
    need. Inside an app context; the caller commits. Returns its UUID and the evidence UUIDs."""
    from server.clock import utcnow
    from server.inspections.models import Evidence, Inspection, InspectionOfficer

    now = utcnow()
    record, evidence_uuids = uuid.uuid4(), [uuid.uuid4() for _ in files]
    db.session.add(Inspection(
        uuid=record, root_uuid=record, revision=1, status="incomplete", form_id="bench",
        form_version=1, submitted_by_id=officers[0].id, team_id=officers[0].team_id,
        subject_kind="vehicle", subject_name="浙F00000", started_at=now - timedelta(hours=1),
        finished_at=now, answers={}, computed={}, device_id="bench", app_version="bench",
        received_at=now, content_hash="0" * 64, evidence_expected=len(files), evidence_received=0,
        evidence_uuids=[str(u) for u in evidence_uuids]))
    for position, user in enumerate(officers):
        db.session.add(InspectionOfficer(inspection_uuid=record, user_id=user.id, position=position,
                                         certificate_number=user.certificate_number))
    for position, (evidence_uuid, (sha, size, media_type)) in enumerate(zip(evidence_uuids, files, strict=True)):
        db.session.add(Evidence(uuid=evidence_uuid, inspection_uuid=record, position=position,
                                item_id=item_id, sha256=sha, size=size, media_type=media_type,
                                captured_at=now - timedelta(minutes=30)))
    return record, evidence_uuids


@contextmanager
def scratch_postgres_database(server_url: str):
    """A new, empty database on the PostgreSQL server of `server_url` (e.g. the one
    scripts/with-postgres.sh starts), dropped afterwards; yields its URL."""
    import sqlalchemy as sa

    name = f"fc_bench_{os.getpid()}_{int(time.time())}"
    base = sa.engine.make_url(server_url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


@contextmanager
def _raw_sqlite():
    """A bare SQLite table of documents with FieldCase's durability (WAL, synchronous=FULL)."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(os.path.join(tmp, "raw.sqlite3"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        try:
            yield conn
        finally:
            conn.close()


def raw_sqlite_insert_rate(rows: int, batch: int, row_bytes: int) -> float:
    """Rows/s for batched inserts of `row_bytes` documents, one transaction per batch."""
    body = "x" * row_bytes
    with _raw_sqlite() as conn:
        start = time.perf_counter()
        for b in range(rows // batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO docs VALUES (?, ?)",
                             ((f"{b}-{i}", body) for i in range(batch)))
            conn.execute("COMMIT")
        return rows / (time.perf_counter() - start)


def raw_sqlite_commit_rate(rows: int, row_bytes: int) -> float:
    """Commits/s of one `row_bytes` row per transaction, same durability: the most single-record
    writes per second this disk allows SQLite."""
    body = "x" * row_bytes
    with _raw_sqlite() as conn:
        start = time.perf_counter()
        for i in range(rows):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO docs VALUES (?, ?)", (str(i), body))
            conn.execute("COMMIT")
        return rows / (time.perf_counter() - start)


def drive_sync(send_batch, batches: list, records: int, clients: int, send_one, singles: list) -> dict:
    """The sync workload, the same for FieldCase and the peer: `batches` from `clients`
    connections, then `singles` one per request from 16. `send_batch(index, batch)` and
    `send_one(index, item)` send and check one request (the index picks the connection)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda job: send_batch(*job), enumerate(batches)))
    batched_rate = records / (time.perf_counter() - start)

    def timed(job):
        began = time.perf_counter()
        send_one(*job)
        return time.perf_counter() - began

    start = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        latencies = list(pool.map(timed, enumerate(singles)))
    return {"batched_per_s": batched_rate, "single_per_s": len(latencies) / (time.perf_counter() - start),
            "single_p50_ms": percentile(latencies, 50) * 1000,
            "single_p99_ms": percentile(latencies, 99) * 1000}


MB = 1024 * 1024


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


def print_table(title: str, rows: list[tuple]) -> None:
    """rows: (measure, value, unit, limit or target, ratio text)."""
    print(f"\n{title}")
    header = ("measure", "value", "unit", "compared with", "ratio")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def median(values):
    return statistics.median(values)
