"""A one-record sync costs a fixed, small number of SQL statements (issue 19): counted here so
that a later change cannot quietly bring per-request queries back. Transaction control (BEGIN,
SAVEPOINT, RELEASE, COMMIT, PostgreSQL's writer lock taken at BEGIN) is counted apart."""
import sqlalchemy as sa

from server.extensions import db

from .factories import overload_record, sync_body

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def statements_of(client, *records):
    """(data statements, transaction-control statements) of one sync request."""
    seen = []

    def note(conn, cursor, statement, *args):
        # The writer's advisory lock that a PostgreSQL writer's BEGIN takes counts as control.
        seen.append("BEGIN" if "pg_advisory_xact_lock" in statement
                    else statement.lstrip().split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post("/api/sync", json=sync_body(*records))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_json()
    assert all(r["result"] == "created" for r in response.get_json()["results"])
    return [s for s in seen if s not in _CONTROL], [s for s in seen if s in _CONTROL]


def test_a_one_record_sync_runs_eight_statements_audit_entry_included(login_as):
    officer = login_as("officer1")
    for _ in range(2):  # the first publishes the form version, the second finds it published
        statements_of(officer, overload_record())
    data, _ = statements_of(officer, overload_record())
    # Reading: the session's user and the other officers, with their teams and roles; which
    # record and evidence UUIDs are stored. Writing: the same UUIDs again in the writer's turn,
    # the record, its officers, its evidence, the log's last sequence number, the audit entry.
    assert data == ["SELECT"] * 3 + ["INSERT"] * 3 + ["SELECT", "INSERT"], data


def test_a_batch_of_fifty_runs_as_many_statements_as_one_record(login_as):
    officer = login_as("officer1")
    for _ in range(2):
        statements_of(officer, overload_record())
    one, _ = statements_of(officer, overload_record())
    fifty, _ = statements_of(officer, *[overload_record() for _ in range(50)])
    assert len(fifty) == len(one), fifty
