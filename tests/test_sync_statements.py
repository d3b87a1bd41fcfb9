"""A one-record sync costs a fixed, small number of SQL statements (issue 19): counted here so
that a later change cannot quietly bring per-request queries back. Transaction control (BEGIN,
SAVEPOINT, RELEASE, COMMIT, PostgreSQL's writer lock taken at BEGIN) is counted apart."""
import pytest
import sqlalchemy as sa

from server.extensions import db

from .factories import overload_record, sync_body

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def statements_of(client, *records):
    """(data statements, transaction-control statements) of one sync request."""
    seen = []

    def note(conn, cursor, statement, *args):
        # On PostgreSQL the audit sequencer runs after the request's commit, in a transaction of
        # its own that starts with the log's lock: its statements are counted apart (below).
        seen.append("LOCK" if "pg_advisory_xact_lock" in statement
                    else statement.lstrip().split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post("/api/sync", json=sync_body(*records))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_json()
    assert all(r["result"] == "created" for r in response.get_json()["results"])
    request = seen[:seen.index("LOCK")] if "LOCK" in seen else seen
    return [s for s in request if s not in _CONTROL], [s for s in request if s in _CONTROL]


def sequencer_statements(client, *records):
    """The data statements of the audit sequencer's own transaction after a sync (PostgreSQL)."""
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append("LOCK" if "pg_advisory_xact_lock" in statement
                    else statement.lstrip().split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.post("/api/sync", json=sync_body(*records)).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return [s for s in seen[seen.index("LOCK") + 1:] if s not in _CONTROL]


def test_a_one_record_sync_runs_nine_statements_audit_entry_included(login_as):
    officer = login_as("officer1")
    for _ in range(2):  # the first publishes the form version, the second finds it published
        statements_of(officer, overload_record())
    data, _ = statements_of(officer, overload_record())
    # Reading: the session's user with its team and roles; the other officers with theirs; which
    # record and evidence UUIDs are stored. Writing: the same UUIDs again in the writer's turn,
    # the record, its officers, its evidence, and the audit entry: on SQLite the log's last
    # sequence number and the entry, on PostgreSQL the entry queued (sequenced after the commit).
    audit = ["SELECT", "INSERT"] if db.engine.dialect.name == "sqlite" else ["INSERT"]
    assert data == ["SELECT"] * 4 + ["INSERT"] * 3 + audit, data


def test_the_sequencer_moves_a_sync_s_entries_in_three_statements(login_as):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite sequences in the writer's own transaction (counted above)")
    officer = login_as("officer1")
    statements_of(officer, overload_record())
    # The queue with the log's end; the entries into the log; the queue rows deleted.
    assert sequencer_statements(officer, overload_record()) == ["SELECT", "INSERT", "DELETE"]


def test_a_batch_of_fifty_runs_as_many_statements_as_one_record(login_as):
    officer = login_as("officer1")
    for _ in range(2):
        statements_of(officer, overload_record())
    one, _ = statements_of(officer, overload_record())
    fifty, _ = statements_of(officer, *[overload_record() for _ in range(50)])
    assert len(fifty) == len(one), fifty
