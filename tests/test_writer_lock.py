"""SQLite writers queue fairly: many threads writing at once all succeed, none is refused
"database is locked", and a failed transaction gives its turn back."""
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import record_event
from server.database import write_intent
from server.extensions import db
from server.writer_lock import DatabaseLocked, WriterLock


def test_concurrent_writers_all_get_their_turn(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer queue is SQLite's")
    errors, per_thread, threads = [], 25, 8

    def writer(n):
        with app.app_context():
            for i in range(per_thread):
                try:
                    record_event("test.write", details={"thread": n, "i": i})
                    if i % 5 == 4:  # some transactions fail after writing: their turn comes back
                        raise RuntimeError("abandon")
                    db.session.commit()
                except RuntimeError:
                    db.session.rollback()
                except Exception as exc:  # noqa: BLE001
                    errors.append(repr(exc))
                    db.session.rollback()
            db.session.remove()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors
    db.session.remove()
    seqs = db.session.execute(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
    assert seqs == list(range(1, threads * per_thread * 4 // 5 + 1))


def test_each_writer_s_turn_is_noted_when_asked(app_config, tmp_path):
    """With WRITER_LOCK_TIMINGS set, every turn a writer took notes how long it waited, held the
    turn and used the CPU meanwhile (bench/wrk_sync.py reads them); readers take no turn."""
    from server import create_app

    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the writer queue is SQLite's")
    timings = tmp_path / "turns.txt"
    app = create_app({**app_config, "WRITER_LOCK_TIMINGS": str(timings)})
    with app.app_context():
        db.session.execute(sa.select(AuditEntry.seq)).all()  # connected: the lock and its file exist
        db.session.commit()
        before = len(timings.read_text().splitlines()) if timings.exists() else 0  # turns at start-up
        with write_intent(True):  # writers (whatever an earlier test left in this thread)
            for i in range(3):
                record_event("test.write", details={"i": i})
                db.session.commit()
        with write_intent(False):  # a reader: no turn
            db.session.execute(sa.select(AuditEntry.seq)).all()
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    turns = [[float(x) for x in line.split()] for line in timings.read_text().splitlines()[before:]]
    assert len(turns) == 3
    for waited, held, cpu in turns:
        assert waited >= 0 and held > 0 and 0 <= cpu <= held + 1  # CPU is read at a coarser tick


_HOLDER = """
import sys, time
from server.writer_lock import WriterLock
lock = WriterLock(sys.argv[1])
lock.acquire(5)
print("held", flush=True)
sys.stdin.readline()  # until the test says so
lock.release()
print("released", flush=True)
sys.stdin.readline()
"""


def _other_process_holding(path):
    """Another process holding the writer lock of `path` until a line is written to its stdin."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_writer_waiting_for_another_process_gets_the_turn_when_it_lets_go(tmp_path):
    path = tmp_path / "db-writer.lock"
    holder = _other_process_holding(path)
    lock, got = WriterLock(str(path)), threading.Event()

    def wait_for_turn():
        lock.acquire(30)
        got.set()

    waiting = threading.Thread(target=wait_for_turn)
    waiting.start()
    try:
        assert not got.wait(0.3)  # the other process holds it
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert got.wait(10)
        lock.release()
        for _ in range(3):  # taken and given back again, in this process and across
            lock.acquire(5)
            lock.release()
    finally:
        waiting.join(10)
        holder.kill()
        holder.wait()


def test_a_writer_that_gave_up_waiting_leaves_the_lock_free_for_the_next(tmp_path):
    """A writer that waited past its timeout is refused `database is locked`; when the other
    process lets go later, the lock does not stay taken for the writer that gave up: another
    process gets it, and then this process's next writer."""
    path = tmp_path / "db-writer.lock"
    first = _other_process_holding(path)
    lock = WriterLock(str(path))
    second = None
    try:
        with pytest.raises(DatabaseLocked):
            lock.acquire(0.2)
        first.stdin.write("go\n")
        first.stdin.flush()
        assert first.stdout.readline().strip() == "released"
        second = _other_process_holding(path)  # within its 5 s: nobody kept the lock
        second.stdin.write("go\n")
        second.stdin.flush()
        assert second.stdout.readline().strip() == "released"
        lock.acquire(10)
        lock.release()
    finally:
        for holder in (first, second):
            if holder is not None:
                holder.kill()
                holder.wait()


def test_a_writer_that_gave_up_leaves_the_wait_to_the_next_writer_of_its_process(tmp_path):
    """A writer gives up while another process still holds the lock; the next writer of its
    process gets the turn when that process lets go, and holds it alone: a third process waits
    until it gives it back."""
    path = tmp_path / "db-writer.lock"
    first = _other_process_holding(path)
    lock, got = WriterLock(str(path)), threading.Event()
    try:
        with pytest.raises(DatabaseLocked):
            lock.acquire(0.2)
        waiting = threading.Thread(target=lambda: (lock.acquire(30), got.set()))
        waiting.start()
        assert not got.wait(0.3)
        first.stdin.write("go\n")
        first.stdin.flush()
        assert got.wait(10)
        waiting.join(10)
        assert _another_process_tries(path, 0.5) == "refused"  # this process holds the lock
        lock.release()
        assert _another_process_tries(path, 10) == "held"
    finally:
        first.kill()
        first.wait()


_TRY = """
import sys
from server.writer_lock import DatabaseLocked, WriterLock
try:
    WriterLock(sys.argv[1]).acquire(float(sys.argv[2]))
    print("held")
except DatabaseLocked:
    print("refused")
"""


def _another_process_tries(path, timeout: float) -> str:
    """What another process gets when it asks for the writer lock of `path` for `timeout` s."""
    tried = subprocess.run([sys.executable, "-c", _TRY, str(path), str(timeout)], capture_output=True,
                           text=True, cwd=Path(__file__).parents[1], timeout=120, check=True)
    return tried.stdout.strip()


_CONTENDER = """
import os, sys, threading, time
from server.writer_lock import DatabaseLocked, WriterLock
lock, log, turns = WriterLock(sys.argv[1]), sys.argv[2], int(sys.argv[3])
taken, refused = [], []

def write(name):
    done = 0
    while done < turns:
        try:
            lock.acquire(0.002 if done % 4 == 3 else 30)  # some give up at once
        except DatabaseLocked:
            refused.append(name)
            continue
        with open(log, "a") as out:
            out.write(f"in {name}\\n")
        time.sleep(0.0005)
        with open(log, "a") as out:
            out.write(f"out {name}\\n")
        lock.release()
        done += 1
    taken.append(name)

threads = [threading.Thread(target=write, args=(f"{os.getpid()}.{n}",)) for n in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(taken), len(refused), flush=True)
"""


def test_writers_of_several_processes_hold_the_lock_one_at_a_time(tmp_path):
    """Three processes of three writers each take the turn 40 times each, some giving up on a
    short wait: every turn is taken, and no two writers ever hold the lock at once."""
    path, log = tmp_path / "db-writer.lock", tmp_path / "turns.log"
    contenders = [subprocess.Popen([sys.executable, "-c", _CONTENDER, str(path), str(log), "40"],
                                   stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
                  for _ in range(3)]
    outputs = [contender.communicate(timeout=120)[0].split() for contender in contenders]
    assert all(contender.returncode == 0 for contender in contenders)
    assert [int(taken) for taken, _ in outputs] == [3, 3, 3]
    lines = log.read_text().splitlines()
    assert len(lines) == 3 * 3 * 40 * 2
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        assert enter.startswith("in ") and leave == "out " + enter[3:], (enter, leave)
