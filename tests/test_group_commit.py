"""Group commit (server/group_commit.py): on SQLite, the syncs of a process that wait for the
writer's turn at the same time share one transaction and one commit. What a phone relies on stays:
each sync answers only once its record is durable, one failing write fails its sync alone, and a
failed commit answers none of the group `created`."""
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import record_event
from server.database import write_intent
from server.extensions import db
from server.group_commit import GroupCommit, GroupCommitFailed, group_for
from server.inspections.models import Inspection

from .conftest import ApiClient
from .factories import overload_record, sync_body


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("group commit is SQLite's: PostgreSQL runs writers side by side")


class _TurnHeld:
    """The database's writer's turn, taken by the test (as another writer would) until released."""

    def __init__(self):
        self.connection = db.engine.connect()
        with write_intent(True):
            self.transaction = self.connection.begin()  # BEGIN IMMEDIATE

    def release(self):
        self.transaction.rollback()
        self.connection.close()


def _wait_until(condition, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def _run_in_threads(app, work: list, group: GroupCommit | None = None) -> tuple[list, list]:
    """Run each callable in a thread of its own with an app context (as a write of `group`, if
    given); the threads, and what each returned or raised once it has ended."""
    outcomes = [None] * len(work)

    def run(i):
        with app.app_context():
            try:
                outcomes[i] = ("returned", group.run(work[i]) if group else work[i]())
            except Exception as error:  # noqa: BLE001 - the test looks at it
                outcomes[i] = ("raised", error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    return threads, outcomes


def test_syncs_waiting_for_the_turn_share_one_commit_and_each_answers_after_it(app, login_as, sqlite_only,
                                                                             monkeypatch):
    group = group_for(db.engine)
    monkeypatch.setattr(group, "max_open_s", 60)  # however slow this machine is today
    officers = [login_as("officer1") for _ in range(5)]
    records = [overload_record() for _ in officers]
    commits_before = group.commits
    committed_at, answered_at = [], [None] * len(officers)

    def note_commit(conn):  # before COMMIT; the group's connection is the one holding the turn
        if conn.connection.dbapi_connection._holding:
            committed_at.append(time.monotonic())

    def sync(i):
        def send():
            response = officers[i].post("/api/sync", json=sync_body(records[i]),
                                        environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
            answered_at[i] = time.monotonic()
            return response
        return send

    sa.event.listen(db.engine, "commit", note_commit)
    held = _TurnHeld()  # another writer holds the turn: the syncs check, then queue for it
    try:
        threads, outcomes = _run_in_threads(app, [sync(i) for i in range(len(officers))])
        # The first leads and waits for the database's turn; all five wait in the queue.
        _wait_until(lambda: group.queued() == len(officers), "five syncs queue for the turn")
        assert all(t.is_alive() for t in threads), "a sync answered before its record was written"
        held.release()
        for t in threads:
            t.join(timeout=60)
    finally:
        sa.event.remove(db.engine, "commit", note_commit)
    answers = [outcome[1] for outcome in outcomes]
    assert [a.status_code for a in answers] == [200] * 5, [a.get_json() for a in answers]
    assert [a.get_json()["results"][0]["result"] for a in answers] == ["created"] * 5
    assert group.commits == commits_before + 1  # five syncs, one commit
    assert len(committed_at) == 1 and committed_at[0] < min(answered_at), "an answer left before the commit"
    stored = db.session.execute(sa.select(sa.func.count()).select_from(Inspection)
                                .where(Inspection.uuid.in_([uuid.UUID(r["uuid"]) for r in records]))).scalar()
    assert stored == 5
    # Each record's audit entry is in the log, in one contiguous run, and names the address of the
    # phone that sent it, though one thread wrote them all (each write runs in its sync's context).
    entries = db.session.execute(sa.select(AuditEntry.seq, AuditEntry.object_id, AuditEntry.client_address)
                                 .where(AuditEntry.action == "inspection.submitted")).all()
    seqs = [e.seq for e in entries]
    assert len(seqs) == 5 and max(seqs) - min(seqs) == 4
    assert {e.object_id: e.client_address for e in entries} == {
        r["uuid"]: f"10.0.0.{i + 1}" for i, r in enumerate(records)}


def test_a_resend_in_the_same_group_is_answered_a_duplicate_and_stored_once(app, login_as, sqlite_only,
                                                                           monkeypatch):
    group = group_for(db.engine)
    monkeypatch.setattr(group, "max_open_s", 60)
    record = overload_record()
    clients = [login_as("officer1") for _ in range(3)]
    held = _TurnHeld()
    threads, outcomes = _run_in_threads(app, [
        (lambda c=c: c.post("/api/sync", json=sync_body(record))) for c in clients])
    _wait_until(lambda: group.queued() == 3, "the three copies queue for the turn")
    held.release()
    for t in threads:
        t.join(timeout=60)
    results = sorted(o[1].get_json()["results"][0]["result"] for o in outcomes)
    assert results == ["created", "duplicate", "duplicate"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Inspection)
                              .where(Inspection.uuid == uuid.UUID(record["uuid"]))).scalar() == 1


def _audited(action: str):
    def write():
        record_event(action, details={"by": action})
        return action
    return write


def _entries(prefix: str) -> list[tuple[int, str]]:
    """The log's entries whose action starts with `prefix`, read without taking the turn."""
    db.session.rollback()
    with write_intent(False):
        entries = db.session.execute(sa.select(AuditEntry.seq, AuditEntry.action)
                                     .where(AuditEntry.action.startswith(prefix))
                                     .order_by(AuditEntry.seq)).all()
    db.session.rollback()
    return entries


def test_a_failing_write_is_undone_and_fails_alone(app, sqlite_only):
    group = GroupCommit(db.engine, max_open_s=60)

    def failing():
        record_event("test.group.failing", details={})
        raise RuntimeError("the write found something wrong after writing")

    held = _TurnHeld()
    threads, outcomes = _run_in_threads(app, [_audited("test.group.first")], group)
    _wait_until(lambda: group.queued() == 1, "the first write waits for the turn")
    more, more_outcomes = _run_in_threads(app, [failing, _audited("test.group.third")], group)
    _wait_until(lambda: group.queued() == 3, "two writes queue behind the first")
    held.release()
    for t in threads + more:
        t.join(timeout=60)
    assert outcomes[0] == ("returned", "test.group.first")
    assert more_outcomes[0][0] == "raised" and "after writing" in str(more_outcomes[0][1])
    assert more_outcomes[1] == ("returned", "test.group.third")
    assert group.commits == 1
    # The failing write's entry is gone; the others' are stored one after the other.
    entries = _entries("test.group.")
    assert [action for _, action in entries] == ["test.group.first", "test.group.third"]
    assert entries[1][0] == entries[0][0] + 1


def test_a_group_takes_no_more_writes_than_its_cap(app, sqlite_only):
    """So that the first write of a busy process waits a bounded time for its answer."""
    group = GroupCommit(db.engine, max_members=2, max_open_s=60)
    held = _TurnHeld()
    threads, outcomes = _run_in_threads(app, [_audited("test.cap.first")], group)
    _wait_until(lambda: group.queued() == 1, "the first write waits for the turn")
    more, more_outcomes = _run_in_threads(app, [_audited("test.cap.second"), _audited("test.cap.third")], group)
    _wait_until(lambda: group.queued() == 3, "two writes queue behind the first")
    held.release()
    for t in threads + more:
        t.join(timeout=60)
    assert [o[0] for o in outcomes + more_outcomes] == ["returned"] * 3
    assert group.commits == 2
    assert len(_entries("test.cap.")) == 3


def test_a_failed_commit_fails_every_write_of_the_group_and_stores_none(app, sqlite_only):
    """SQLite checks a deferred foreign key at COMMIT: one write leaves a dangling one, so the
    group's commit fails. No write of it may then be answered as stored, nor be stored."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE test_parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE test_child (id INTEGER PRIMARY KEY, parent INTEGER "
                             "REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED)")
    group = GroupCommit(db.engine, max_open_s=60)

    def insert(sql):
        def write():
            db.session.execute(sa.text(sql))
            return sql
        return write

    held = _TurnHeld()
    threads, outcomes = _run_in_threads(app, [insert("INSERT INTO test_parent (id) VALUES (1)")], group)
    _wait_until(lambda: group.queued() == 1, "the first write waits for the turn")
    more, more_outcomes = _run_in_threads(app, [insert("INSERT INTO test_child (id, parent) VALUES (1, 99)")], group)
    _wait_until(lambda: group.queued() == 2, "the second write queues behind the first")
    held.release()
    for t in threads + more:
        t.join(timeout=60)
    for outcome in outcomes + more_outcomes:
        assert outcome[0] == "raised" and isinstance(outcome[1], GroupCommitFailed), outcome
    assert group.commits == 0
    db.session.rollback()
    assert db.session.execute(sa.text("SELECT count(*) FROM test_parent")).scalar() == 0
    db.session.rollback()  # this thread's transaction gives the turn back
    # The turn was given back: the next write goes through.
    threads, outcomes = _run_in_threads(app, [insert("INSERT INTO test_parent (id) VALUES (2)")], group)
    threads[0].join(timeout=60)
    assert outcomes[0][0] == "returned"
    assert db.session.execute(sa.text("SELECT id FROM test_parent")).scalars().all() == [2]


def test_writes_that_get_no_turn_fail_and_the_next_one_leads(app, sqlite_only, monkeypatch):
    """Another writer keeps the turn past the busy timeout: every write waiting for it fails (none
    stored), and once the turn is free a new write is not left waiting for a leader."""
    import server.database

    monkeypatch.setattr(server.database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    group = GroupCommit(db.engine, max_open_s=60)
    held = _TurnHeld()
    threads, outcomes = _run_in_threads(app, [_audited(f"test.noturn.{i}") for i in range(3)], group)
    for t in threads:
        t.join(timeout=60)
    held.release()
    for outcome in outcomes:
        assert outcome[0] == "raised" and isinstance(outcome[1], GroupCommitFailed), outcome
    assert _entries("test.noturn.") == []
    threads, outcomes = _run_in_threads(app, [_audited("test.noturn.after")], group)
    threads[0].join(timeout=60)
    assert outcomes[0] == ("returned", "test.noturn.after")
    assert [action for _, action in _entries("test.noturn.")] == ["test.noturn.after"]


def test_without_group_commit_a_sync_commits_alone(app_config, sqlite_only, personas):
    from server import create_app

    app = create_app({**app_config, "SYNC_GROUP_COMMIT": False})
    app.test_client_class = ApiClient
    with app.app_context():
        client = app.test_client()
        client.login("officer1")
        group = group_for(db.engine)
        response = client.post("/api/sync", json=sync_body(overload_record()))
        assert response.get_json()["results"][0]["result"] == "created"
        assert group.commits == 0
        db.session.remove()
        db.engine.dispose()
