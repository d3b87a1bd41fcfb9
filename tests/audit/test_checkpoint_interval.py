"""The log is signed while it grows: a checkpoint at most every AUDIT_CHECKPOINT_MINUTES."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.audit.models import AuditCheckpoint, AuditEntry
from server.extensions import db

from ..factories import overload_record, sync_body


def checkpoints() -> list[tuple[int, str]]:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditCheckpoint.tree_size, AuditCheckpoint.reason)
                              .order_by(AuditCheckpoint.tree_size)).all()


def newest_seq() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.seq))).scalar()


def sync_one(client) -> None:
    r = client.post("/api/sync", json=sync_body(overload_record()))
    assert r.status_code == 200 and r.get_json()["results"][0]["result"] == "created", r.get_json()


def test_a_write_after_the_interval_signs_the_whole_log(app, login_as):
    app.config["AUDIT_CHECKPOINT_MINUTES"] = 0
    officer = login_as("officer1")
    sync_one(officer)
    sync_one(officer)
    signed = checkpoints()
    assert signed[-1] == (newest_seq(), "interval")
    assert len({size for size, _ in signed}) == len(signed) >= 2


def test_within_the_interval_no_new_checkpoint_is_made(app, login_as):
    officer = login_as("officer1")
    sync_one(officer)  # the first write signs the log: there was no checkpoint yet
    first = checkpoints()
    assert first and first[-1][1] == "interval"
    for _ in range(3):
        sync_one(officer)
    assert checkpoints() == first
    assert newest_seq() > first[-1][0]


@pytest.mark.parametrize("minutes_later, due", [(11, True), (9, False)])
def test_the_next_checkpoint_falls_due_when_the_last_is_older_than_the_interval(
        app, login_as, monkeypatch, minutes_later, due):
    from server.audit import checkpoints as module

    officer = login_as("officer1")
    sync_one(officer)
    sync_one(officer)  # entries after the first checkpoint
    signed_at = module.latest_checkpoint().signed_at
    monkeypatch.setattr(module, "utcnow", lambda: signed_at + timedelta(minutes=minutes_later))
    is_due, wait = module.checkpoint_due()
    assert is_due is due
    assert wait == (timedelta(0) if due else timedelta(minutes=10 - minutes_later))
