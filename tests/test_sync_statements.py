"""A one-record sync costs a fixed, small number of SQL statements (issue 19: at most 5, its
audit entry included): counted here so that a later change cannot quietly bring per-request
queries back. Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT, PostgreSQL's writer lock
taken at BEGIN) is counted apart, and so are the audit log's statements, whose append
server/audit/service.py owns."""
import sqlalchemy as sa

from server.extensions import db

from .factories import overload_record, sync_body

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def statements_of(client, *records):
    """(sync's own data statements, the audit log's, transaction control) of one sync request,
    each as its first word."""
    seen = []

    def note(conn, cursor, statement, *args):
        # The writer's advisory lock that a PostgreSQL writer's BEGIN takes counts as control.
        word = "BEGIN" if "pg_advisory_xact_lock" in statement else statement.lstrip().split(None, 1)[0].upper()
        seen.append((word, "audit_entries" in statement))

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post("/api/sync", json=sync_body(*records))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_json()
    assert all(r["result"] == "created" for r in response.get_json()["results"])
    return ([w for w, audit in seen if w not in _CONTROL and not audit],
            [w for w, audit in seen if w not in _CONTROL and audit],
            [w for w, _ in seen if w in _CONTROL])


def test_a_one_record_sync_runs_at_most_five_statements_audit_entry_included(login_as):
    officer = login_as("officer1")
    for _ in range(2):  # the first publishes the form version, the second finds it published
        statements_of(officer, overload_record())
    own, audit, _ = statements_of(officer, overload_record())
    # The session's user and the record's other officers, with their teams and roles, in one
    # query; the record (ON CONFLICT DO NOTHING: a resend is found by writing, not by a look-up
    # before); its officers and evidence, both through the view of migration 0026.
    assert own == ["SELECT", "INSERT", "INSERT"], own
    # The audit entry: the log's last sequence number and the entry (server/audit/service.py).
    assert audit in (["SELECT", "INSERT"], ["INSERT"]), audit
    assert len(own + audit) <= 5


def test_a_batch_of_fifty_runs_as_many_statements_as_one_record(login_as):
    officer = login_as("officer1")
    for _ in range(2):
        statements_of(officer, overload_record())
    one = statements_of(officer, overload_record())
    fifty = statements_of(officer, *[overload_record() for _ in range(50)])
    assert [len(s) for s in fifty[:2]] == [len(s) for s in one[:2]], fifty
