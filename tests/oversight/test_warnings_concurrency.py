"""Two warning scans at the same moment (two supervisors press 立即检查, or the CLI runs while
one does; PostgreSQL runs writers at once, with no global lock): the second waits for the
first and raises nothing again, rather than failing on the (kind, fingerprint) constraint."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.oversight.models import Warning
from server.oversight.warnings import scan_warnings
from tests.oversight.history import build_history


def test_two_scans_at_once_raise_each_warning_once(app):
    build_history(app)
    db.session.commit()
    first_scanned, raised, errors = threading.Event(), {}, []

    def scan(name, before=None, after=None):
        with app.app_context():
            try:
                if before:
                    before.wait(30)
                raised[name] = len(scan_warnings(None))
                if after:
                    after.set()
                    time.sleep(0.5)  # the other scan runs meanwhile, before this commit
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
                db.session.rollback()

    threads = [threading.Thread(target=scan, args=("a", None, first_scanned)),
               threading.Thread(target=scan, args=("b", first_scanned, None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert raised == {"a": 6, "b": 0}
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Warning)).scalar() == 6


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
