"""The audit queue (PostgreSQL): entries committed with their change and not yet sequenced, as
after a worker died between its commit and its sequencing. Nothing is lost: `audit verify`
counts them and the rows they vouch for verify; an edited queued row is named and never
sequenced; `flask audit sequence` and a checkpoint move the rest into the log."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from server.audit import sequencer
from server.audit.models import AuditCheckpoint, AuditEntry, AuditQueued
from server.extensions import db
from tests.factories import overload_record, sync_body


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite sequences every entry in the writer's own transaction: no queue")


@contextmanager
def worker_dies_after_commit():
    """What a worker that died between its commit and its sequencing leaves: entries queued."""
    sa.event.remove(sa.orm.Session, "after_commit", sequencer._sequence_after_commit)
    try:
        yield
    finally:
        sa.event.listen(sa.orm.Session, "after_commit", sequencer._sequence_after_commit)


def _queued() -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditQueued.action).order_by(AuditQueued.id)).scalars())


def _verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_a_record_whose_entry_waits_in_the_queue_verifies_and_is_sequenced_later(login_as, runner):
    officer = login_as("officer1")
    with worker_dies_after_commit():
        answer = officer.post("/api/sync", json=sync_body(overload_record()))
    assert answer.status_code == 200
    assert "inspection.submitted" in _queued()
    code, output = _verify(runner)
    assert code == 0, output
    assert "queue: " in output and "not yet sequenced" in output
    result = runner.invoke(args=["audit", "sequence"])
    assert result.exit_code == 0 and "sequenced:" in result.output
    assert _queued() == []
    actions = db.session.execute(sa.select(AuditEntry.action)).scalars().all()
    assert "inspection.submitted" in actions
    code, output = _verify(runner)
    assert code == 0 and "queue:" not in output, output


def test_an_edited_queued_entry_is_named_and_never_sequenced(login_as, runner):
    officer = login_as("officer1")
    with worker_dies_after_commit():
        assert officer.post("/api/sync", json=sync_body(overload_record())).status_code == 200
    db.session.execute(sa.text("ALTER TABLE audit_queue DISABLE TRIGGER USER"))
    db.session.execute(sa.text("UPDATE audit_queue SET actor_username = 'someone_else' "
                               "WHERE action = 'inspection.submitted'"))
    db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert "queued entry" in output and "(inspection.submitted) altered" in output
    runner.invoke(args=["audit", "sequence"])
    assert _queued() == ["inspection.submitted"]  # left where verify names it


def test_a_checkpoint_covers_what_was_queued(login_as, runner):
    officer = login_as("officer1")
    with worker_dies_after_commit():
        assert officer.post("/api/sync", json=sync_body(overload_record())).status_code == 200
    assert _queued()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert _queued() == []
    db.session.expire_all()
    size = db.session.execute(sa.select(sa.func.max(AuditCheckpoint.tree_size))).scalar()
    assert size == db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()
