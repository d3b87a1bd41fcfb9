"""Process kills (issue #9, part 4): gunicorn workers, and sometimes the master with them, are
killed with SIGKILL at random moments while phones sync records and upload their files; the
phones ask again until answered and resume their uploads. Afterwards every acknowledged record
and file is there exactly once, byte for byte, the audit log verifies, and the phones finished.

`make test` runs 10 kills; FIELDCASE_CHAOS_SCALE=5 the issue's 50. FIELDCASE_CHAOS_SEED replays
a run's choices (not its timing).
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import os
import random
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from server.audit.models import AuditEntry
from server.evidence.models import EvidenceFile
from server.evidence.storage import get_stores
from server.extensions import db
from server.inspections.models import Inspection

from ..conftest import ROOT
from ..factories import overload_record, sync_body
from .conftest import scaled
from .processes import Gunicorn, RetryingPhone, is_alive, kill9, wait_until

pytestmark = pytest.mark.live

KILLS = scaled(10)
PHONES = 3
CHUNK = 16 * 1024  # a 50 KB photo goes in four PATCHes: kills land mid-upload too
DEADLINE_SECONDS = 600  # for the whole run: generous on a busy 2-core machine


def photo_maker(rng: random.Random):
    """Distinct JPEGs of ~50 KB: one noisy picture, each copy with its own comment segment."""
    out = io.BytesIO()
    Image.effect_noise((320, 240), 60).convert("RGB").save(out, "JPEG", quality=90)
    picture = out.getvalue()

    def make() -> bytes:
        comment = f"fieldcase chaos {rng.getrandbits(64):016x}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        return picture[:2] + segment + picture[2:]
    return make


def record_with_photos(rng: random.Random, make_photo) -> tuple[dict, dict[str, bytes]]:
    """A valid record whose every listed file is a real JPEG, and those files by evidence UUID."""
    record = overload_record(plate=f"浙F{rng.randrange(100000):05d}")
    record["uuid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    files = {}
    for entry in record["evidence"]:
        data = make_photo()
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type="image/jpeg")
        files[entry["uuid"]] = data
    return record, files


class Run:
    """What the phones were told, shared by the threads of one test."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged: dict[str, str] = {}  # record UUID -> created/duplicate
        self.files: dict[str, bytes] = {}  # evidence UUID -> the bytes the phone holds
        self.received: dict[str, str] = {}  # evidence UUID -> SHA-256 the server confirmed
        self.received_at: dict[str, float] = {}  # evidence UUID -> when it was confirmed (monotonic)
        self.answers = 0
        self.started = time.monotonic()
        self.failures: list[str] = []
        self.stop = threading.Event()  # the killer is done: phones finish what they started
        self.failed = threading.Event()  # a thread failed: everyone gives up

    def answered(self) -> None:
        with self.lock:
            self.answers += 1


def phone_work(run: Run, phone: RetryingPhone, rng: random.Random, make_photo) -> None:
    """Sync a batch of new records (sometimes resending an acknowledged one), then upload all
    their files; again, until the killer is done. Every step is finished before the next.
    (The phones of test_cluster.py too.)"""
    sent: list[dict] = []
    try:
        while not run.stop.is_set():
            batch = [record_with_photos(rng, make_photo) for _ in range(rng.randint(1, 2))]
            resend = [rng.choice(sent)] if sent and rng.random() < 0.3 else []
            results = phone.sync(sync_body(*[r for r, _ in batch], *resend))
            for result in results:
                assert result["result"] in ("created", "duplicate"), result
                with run.lock:
                    run.acknowledged.setdefault(result["uuid"], result["result"])
            for record, files in batch:
                sent.append(record)
                for evidence_uuid, data in files.items():
                    with run.lock:
                        run.files[evidence_uuid] = data
                    sha256 = phone.upload(record["uuid"], evidence_uuid, data, CHUNK)
                    with run.lock:
                        run.received[evidence_uuid] = sha256
                        run.received_at[evidence_uuid] = time.monotonic()
    except BaseException as error:  # noqa: BLE001 - reported by the test
        run.failures.append(f"{phone.username}: {error!r}")
        run.failed.set()
        run.stop.set()


def killer(run: Run, gunicorn: Gunicorn, rng: random.Random, kills: list[str], done: list[str]) -> None:
    """Kill as planned, each time once the server has answered the phones again since the last."""
    try:
        for victim in kills:
            answers = run.answers
            wait_until(lambda answers=answers: run.answers >= answers + 3 or run.stop.is_set(), 120,
                       "the phones were answered since the last kill", step=0.05)
            if run.stop.is_set():
                return
            time.sleep(rng.uniform(0, 0.8))
            if victim == "master":
                gunicorn.kill_master_and_restart()
            else:
                gunicorn.kill_worker(rng.choice(gunicorn.worker_pids()))
            done.append(victim)
        print(f"killer done after {time.monotonic() - run.started:.1f} s")
    except BaseException as error:  # noqa: BLE001 - reported by the test
        run.failures.append(f"killer: {error!r}")
        run.failed.set()
    finally:
        run.stop.set()


def audit_verify(database_url: str, storage, settings: dict | None = None) -> subprocess.CompletedProcess:
    """`flask audit verify` on the test's database and storage (and FIELDCASE_ `settings`)."""
    env = {**os.environ, "FIELDCASE_DATABASE_URL": database_url, "FIELDCASE_STORAGE_DIR": str(storage),
           **{f"FIELDCASE_{k}": str(v) for k, v in (settings or {}).items()}}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "server", "audit", "verify"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_phones_finish_and_nothing_acknowledged_is_lost_when_gunicorn_is_killed(
        app, personas, database_url, storage_dir, tmp_path, chaos_rng):
    rng = chaos_rng
    kills = ["worker"] * KILLS
    for position in rng.sample(range(KILLS), max(1, KILLS // 8)):
        kills[position] = "master"
    db.session.remove()
    run = Run()
    gunicorn = Gunicorn(database_url, storage_dir, tmp_path, workers=2)
    gunicorn.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    phones = [RetryingPhone(gunicorn.url, ("officer1", "officer2")[i % 2], deadline, run.answered, run.failed.is_set)
              for i in range(PHONES)]
    done: list[str] = []
    threads = [threading.Thread(target=phone_work, args=(run, phone, random.Random(rng.random()),
                                                          photo_maker(random.Random(rng.random()))),
                                daemon=True)
               for phone in phones]
    threads.append(threading.Thread(target=killer, args=(run, gunicorn, random.Random(rng.random()),
                                                         kills, done), daemon=True))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "threads still running"
        print(f"phones done after {time.monotonic() - run.started:.1f} s")
        assert not run.failures, f"{run.failures}"
        assert done == kills
        # The phones ask what the server holds (50 at a time, as the PWA): nothing is missing.
        acknowledged = sorted(run.acknowledged)
        for first in range(0, len(acknowledged), 50):
            held = phones[0].request("GET", "/api/sync/status",
                                     params={"uuid": acknowledged[first:first + 50]})
            assert held.status_code == 200, held.text
            assert all(not r["missing_evidence"] for r in held.json())
    finally:
        run.stop.set()
        run.failed.set()  # if the test failed early, phones still asking give up
        gunicorn.stop()

    print(f"{len(done)} kills; {len(run.acknowledged)} records, {len(run.received)} files; "
          f"{sum(p.unanswered for p in phones)} requests cut; {len(gunicorn.logs)} gunicorn starts; "
          f"{sum(p.completions_resumed for p in phones)} uploads finished by an empty PATCH")
    errors = [e for phone in phones for e in phone.server_errors]
    assert not errors, f"5xx answers: {errors[:5]}"
    assert sum(phone.unanswered for phone in phones) > 0, "no kill cut a request: the test proved nothing"
    assert "Traceback" not in gunicorn.log_text(), f"an error in a worker, see {tmp_path}"
    db.session.remove()
    inspections = dict(db.session.execute(sa.select(Inspection.uuid, Inspection.status)).all())
    assert {str(u) for u in inspections} == set(run.acknowledged)
    assert "incomplete" not in inspections.values()
    submitted = db.session.execute(sa.select(AuditEntry.object_id, sa.func.count())
                                   .where(AuditEntry.action == "inspection.submitted")
                                   .group_by(AuditEntry.object_id)).all()
    assert len(submitted) == len(run.acknowledged) and {n for _, n in submitted} == {1}

    assert set(run.received) == set(run.files)
    stored = {str(f.evidence_uuid): f.sha256 for f in db.session.execute(sa.select(EvidenceFile)).scalars()}
    assert stored == run.received
    originals = get_stores().originals
    for evidence_uuid, data in run.files.items():
        assert run.received[evidence_uuid] == hashlib.sha256(data).hexdigest()
        assert originals.local_path(run.received[evidence_uuid]).read_bytes() == data
    completed = db.session.execute(sa.select(AuditEntry.object_id, sa.func.count())
                                   .where(AuditEntry.action == "evidence.upload_completed")
                                   .group_by(AuditEntry.object_id)).all()
    assert {oid: n for oid, n in completed} == {e: 1 for e in run.files}

    db.session.remove()  # end this reader's transaction (on SQLite it holds the writer's turn)
    if db.engine.dialect.name == "sqlite":
        assert_writer_lock_free(database_url)  # no killed worker left it held
    verified = audit_verify(database_url, storage_dir)
    assert verified.returncode == 0 and "audit verify: OK" in verified.stdout, \
        verified.stdout + verified.stderr
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"


def assert_writer_lock_free(database_url: str) -> None:
    """No dead process left SQLite's writer lock (`<db>-writer.lock`, flock) held."""
    path = sa.engine.make_url(database_url).database + "-writer.lock"
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


HOLDER = """
import sys, time
from server import create_app
from server.audit.service import record_event
from server.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "STORAGE_DIR": sys.argv[2], "TESTING": True})
with app.app_context():
    record_event("test.never_committed")
    db.session.flush()  # BEGIN IMMEDIATE taken, the writer lock held, a row written to the WAL
    print("holding", flush=True)
    time.sleep(600)
"""


def test_sqlite_writer_lock_and_wal_recover_when_the_writer_is_killed(app, database_url, storage_dir):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer lock and WAL are SQLite's")
    from server.audit.service import record_event

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url, str(storage_dir)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(BlockingIOError):
            assert_writer_lock_free(database_url)  # held by the writer mid-transaction
        kill9(holder.pid)
        holder.wait(timeout=30)
    finally:
        kill9(holder.pid)
        holder.wait(timeout=30)
    wait_until(lambda: not is_alive(holder.pid), 30, "the writer died")
    assert_writer_lock_free(database_url)
    record_event("test.after_the_kill")
    db.session.commit()  # would wait for the lock and fail "database is locked" if it were stuck
    actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    assert "test.never_committed" not in actions and actions[-1] == "test.after_the_kill"
    assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
