"""SQLite writers queue fairly: many threads writing at once all succeed, none is refused
"database is locked", and a failed transaction gives its turn back."""
import threading

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import record_event
from server.database import write_intent
from server.extensions import db


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
