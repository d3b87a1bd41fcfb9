"""Two servers sync the same record at the same moment (PostgreSQL runs writers at once, with no
global lock): one answers 'created', the other 'duplicate', never an error and never two rows;
and every entry the two requests wrote reaches the log, gapless."""
from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry, AuditQueued
from server.extensions import db
from server.inspections.models import Inspection
from testing.concurrent import at_once

from .factories import overload_record, sync_body

ROUNDS = 5


def _sync_at_once(clients, body) -> list:
    return at_once([partial(client.post, "/api/sync", json=body) for client in clients])


def test_the_same_record_synced_twice_at_once_is_created_once(login_as):
    clients = [login_as("officer1"), login_as("officer1")]
    clients[0].post("/api/sync", json=sync_body(overload_record()))  # the form version is published
    for _ in range(ROUNDS):
        record = overload_record()
        answers = _sync_at_once(clients, sync_body(record))
        assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
        results = sorted(a.get_json()["results"][0]["result"] for a in answers)
        assert results == ["created", "duplicate"], [a.get_json() for a in answers]
        db.session.expire_all()
        count = db.session.execute(sa.select(sa.func.count()).select_from(Inspection)
                                   .where(Inspection.uuid == record["uuid"])).scalar()
        assert count == 1
    db.session.expire_all()
    assert db.session.execute(sa.select(AuditQueued.action, AuditQueued.id)).all() == []
    seqs = db.session.execute(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
