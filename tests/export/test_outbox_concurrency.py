"""Two delivery workers (two app servers) scan the log for an endpoint at the same moment
(PostgreSQL runs writers at once, with no global lock): the second waits for the first's scan
and finds nothing left, rather than enqueueing the same entries again and failing on the
(endpoint, seq) unique constraint."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from server.clock import utcnow
from server.export import outbox
from server.export.models import ExportDelivery, ExportEndpoint
from server.extensions import db


def test_two_workers_scanning_at_once_enqueue_each_entry_once(app, personas, endpoint):
    endpoint("http://127.0.0.1:9/hooks")
    now = utcnow()
    first_scanned, added, errors = threading.Event(), {}, []

    def worker(name, before=None, after=None):
        with app.app_context():
            try:
                if before:
                    before.wait(30)
                added[name] = outbox.enqueue_new(now)
                if after:
                    after.set()
                    time.sleep(0.5)  # the other worker scans meanwhile, before this commit
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
                db.session.rollback()

    threads = [threading.Thread(target=worker, args=("a", None, first_scanned)),
               threading.Thread(target=worker, args=("b", first_scanned, None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert added["a"] > 0 and added["b"] == 0, added
    db.session.expire_all()
    seqs = db.session.execute(sa.select(ExportDelivery.seq)).scalars().all()
    assert len(seqs) == len(set(seqs)) == added["a"]
    scanned = db.session.execute(sa.select(ExportEndpoint.scanned_through)).scalar()
    assert scanned >= max(seqs)


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
