"""SQLite writers queue fairly: many threads writing at once all succeed, none is refused
"database is locked", and a failed transaction gives its turn back."""
import threading

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import record_event
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
