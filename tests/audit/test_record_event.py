"""`record_event` answers the same on SQLite and PostgreSQL: a RecordedEvent with the entry's
content, and its `seq` only when `sequenced=True` asked for it (on PostgreSQL an entry is queued
and has no seq before the commit, so code that read it without asking would break there only).
Run on both databases (scripts/with-postgres.sh)."""
from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import RecordedEvent, record_event
from server.extensions import db

FIELDS = ["recorded_at", "actor_id", "actor_username", "action", "object_type", "object_id",
          "client_address", "details", "sequenced_seq"]


def _committed(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == action)).scalar_one()


def test_an_event_is_answered_with_its_content_and_no_seq_unless_asked(app, personas):
    officer = personas["officer1"]
    event = record_event("test.plain", actor=officer, object_type="inspection", object_id=42,
                         details={"n": 1, "text": "中文"}, client_address="198.51.100.7")
    assert type(event) is RecordedEvent
    assert [f.name for f in dataclasses.fields(event)] == FIELDS
    with pytest.raises(AttributeError, match="sequenced=True"):
        event.seq  # noqa: B018 - reading it is the test
    db.session.commit()
    entry = _committed("test.plain")
    assert (event.recorded_at, event.actor_id, event.actor_username, event.action, event.object_type,
            event.object_id, event.client_address) == (
        entry.recorded_at, officer.id, "officer1", "test.plain", "inspection", "42", "198.51.100.7")
    assert json.loads(event.details) == json.loads(entry.details) == {"n": 1, "text": "中文"}


def test_a_sequenced_event_has_the_seq_it_is_committed_with(app, personas):
    record_event("test.before")  # queued first on PostgreSQL: it comes first in the log
    event = record_event("test.sequenced", actor=personas["officer1"], details={"n": 2},
                         sequenced=True)
    assert type(event) is RecordedEvent
    assert [f.name for f in dataclasses.fields(event)] == FIELDS
    db.session.commit()
    entry = _committed("test.sequenced")
    assert event.seq == entry.seq == _committed("test.before").seq + 1
    assert event.recorded_at == entry.recorded_at and event.details == entry.details
