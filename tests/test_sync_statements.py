"""A one-record sync costs a fixed, small number of SQL statements (issue 19: at most 5, its
audit entry included): counted here so that a later change cannot quietly bring per-request
queries back. Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT) is counted apart, and so
are the audit log's statements, whose append server/audit/service.py owns. On PostgreSQL the
audit sequencer runs after the request's commit, in a transaction of its own that starts with
the log's lock: its statements are counted apart as well (the last test)."""
import pytest
import sqlalchemy as sa

from server.extensions import db
from testing.sql import statements_run

from .factories import overload_record, sync_body

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
_AUDIT_TABLES = ("audit_entries", "audit_queue")


def _seen_during_sync(client, *records, result: str = "created") -> list[tuple[str, bool]]:
    """Each statement of one sync request as (first word, touches the audit log); the log's
    advisory lock as "LOCK". Every record is answered `result`."""
    with statements_run() as statements:
        response = client.post("/api/sync", json=sync_body(*records))
    assert response.status_code == 200, response.get_json()
    assert all(r["result"] == result for r in response.get_json()["results"]), response.get_json()
    seen = []
    for statement, _ in statements:
        word = "LOCK" if "pg_advisory_xact_lock" in statement else statement.lstrip().split(None, 1)[0].upper()
        # An INSERT is the log's when it writes to it (the record's INSERT may read the log's end).
        text = statement.split()[2] if word == "INSERT" else statement
        seen.append((word, any(table in text for table in _AUDIT_TABLES)))
    return seen


def statements_of(client, *records, result: str = "created"):
    """(sync's own data statements, the audit log's, transaction control) of one sync request's
    own transaction, each as its first word."""
    seen = _seen_during_sync(client, *records, result=result)
    words = [word for word, _ in seen]
    request = seen[:words.index("LOCK")] if "LOCK" in words else seen
    return ([w for w, audit in request if w not in _CONTROL and not audit],
            [w for w, audit in request if w not in _CONTROL and audit],
            [w for w, _ in request if w in _CONTROL])


def test_a_one_record_sync_runs_at_most_five_statements_audit_entry_included(login_as):
    officer = login_as("officer1")
    for _ in range(2):  # the first publishes the form version, the second finds it published
        statements_of(officer, overload_record())
    own, audit, _ = statements_of(officer, overload_record())
    # The session's user and the record's other officers, with their teams and roles, in one
    # query; the record (ON CONFLICT DO NOTHING: a resend is found by writing, not by a look-up
    # before; on SQLite it returns the audit log's last position too); its officers; its evidence.
    assert own == ["SELECT", "INSERT", "INSERT", "INSERT"], own
    # The audit entry: on SQLite in the writer's own transaction, after the log's end that the
    # record's INSERT read; on PostgreSQL the entry queued (sequenced after the commit).
    assert audit == ["INSERT"], audit
    assert len(own + audit) <= 5


def test_a_resend_is_answered_from_the_stored_row_in_one_query(login_as):
    """A phone that lost an answer sends the batch again. Its records are found by writing
    (ON CONFLICT DO NOTHING inserts none) and answered from one query of the stored rows with
    the files they still wait for, not by loading each record with its officers and evidence in
    the writer's turn (eleven statements for one record before). Nothing goes to the audit log."""
    officer = login_as("officer1")
    record, batch = overload_record(), [overload_record() for _ in range(50)]
    statements_of(officer, record)
    statements_of(officer, *batch)
    own, audit, _ = statements_of(officer, record, result="duplicate")
    assert (own, audit) == (["SELECT", "INSERT", "SELECT"], []), (own, audit)
    assert statements_of(officer, *batch, result="duplicate")[:2] == (own, audit)


def test_a_one_record_sync_takes_one_savepoint_in_the_writer_s_turn(login_as):
    """Transaction control costs the writer's turn too. On SQLite the group commit's savepoint
    for the sync (server/group_commit.py) is its fast path's own; without a group (PostgreSQL)
    the fast path takes one. One savepoint, released: none is rolled back."""
    officer = login_as("officer1")
    statements_of(officer, overload_record())
    _, _, control = statements_of(officer, overload_record())
    assert control.count("SAVEPOINT") == 1, control
    assert control.count("RELEASE") == 1, control
    assert "ROLLBACK" not in control, control


def test_the_sequencer_moves_a_sync_s_entries_in_three_statements(login_as):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite sequences in the writer's own transaction (counted above)")
    officer = login_as("officer1")
    statements_of(officer, overload_record())
    seen = [word for word, _ in _seen_during_sync(officer, overload_record())]
    # The queue with the log's end; the entries into the log; the queue rows deleted.
    assert [w for w in seen[seen.index("LOCK") + 1:] if w not in _CONTROL] == ["SELECT", "INSERT", "DELETE"]


def test_a_batch_of_fifty_runs_as_many_statements_as_one_record(login_as):
    officer = login_as("officer1")
    for _ in range(2):
        statements_of(officer, overload_record())
    one = statements_of(officer, overload_record())
    fifty = statements_of(officer, *[overload_record() for _ in range(50)])
    assert [len(s) for s in fifty[:2]] == [len(s) for s in one[:2]], fifty


def _has_members_view() -> bool:
    return "inspection_members" in sa.inspect(db.engine).get_view_names()


def test_the_unused_members_view_is_gone_and_comes_back_on_downgrade(app, login_as):
    """0028 drops the view that sync no longer writes through; downgrading restores it, working."""
    from flask_migrate import downgrade, upgrade

    assert not _has_members_view()
    db.session.remove()
    downgrade(revision="0027_sealed_seed")
    assert _has_members_view()
    db.session.remove()
    upgrade()
    assert not _has_members_view()
    statements_of(login_as("officer1"), overload_record())  # a sync still writes its records


def _evidence_indexes() -> set[str]:
    return {index["name"] for index in sa.inspect(db.engine).get_indexes("evidence")}


def test_evidence_is_not_indexed_by_its_random_hash_and_the_index_comes_back_on_downgrade(app, login_as):
    """0029 drops the index on the declared SHA-256 (no query reads it; a random key cost a sync's
    write more than the rest of it); downgrading restores it, and syncs write either way."""
    from flask_migrate import downgrade, upgrade

    assert "ix_evidence_sha256" not in _evidence_indexes()
    assert "ix_evidence_inspection_uuid" in _evidence_indexes()  # a record's evidence is read by it
    db.session.remove()
    downgrade(revision="0028_r5sync")
    assert "ix_evidence_sha256" in _evidence_indexes()
    statements_of(login_as("officer1"), overload_record())
    db.session.remove()
    upgrade()
    assert "ix_evidence_sha256" not in _evidence_indexes()
    statements_of(login_as("officer1"), overload_record())
