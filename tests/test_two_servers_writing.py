"""Two app servers on one PostgreSQL write at once: a write transaction held open on one never
holds up a sync through another (the audit log's short sequencing is the only serialised part),
and the open transaction's entry reaches the log once it commits."""
from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from server.audit.models import AuditEntry, AuditQueued
from server.audit.service import record_event
from server.database import write_intent
from server.extensions import db

from .factories import overload_record, sync_body


def _sync(server, session: requests.Session, record) -> tuple[float, dict]:
    started = time.monotonic()
    answer = session.post(server.url + "/api/sync", json=sync_body(record), timeout=30)
    assert answer.status_code == 200, answer.text
    return time.monotonic() - started, answer.json()


def test_a_sync_through_b_completes_while_a_write_transaction_is_open_elsewhere(app, gunicorn_with):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer by nature: this is PostgreSQL's (make test runs both)")
    server_a, server_b = gunicorn_with(), gunicorn_with()
    officer_a, officer_b = server_a.login("officer1"), server_b.login("officer1")
    _sync(server_a, officer_a, overload_record())  # the form version is published
    # A writer of a third instance (this process) holds its transaction open, its entry queued.
    with write_intent(True):
        record_event("test.held_open", details={"while": "the syncs run"})
        for server, officer in ((server_b, officer_b), (server_a, officer_a)):
            took, answer = _sync(server, officer, overload_record())
            assert answer["results"][0]["result"] == "created"
            assert took < 5, f"a sync waited {took:.1f} s for another server's transaction"
        db.session.commit()
    db.session.expire_all()
    actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    assert actions[-1] == "test.held_open"  # sequenced after its commit, after the syncs' entries
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditQueued)).scalar() == 0
