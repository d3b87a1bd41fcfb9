"""Two servers sync the same record at the same moment (PostgreSQL runs writers at once, with no
global lock): one answers 'created', the other 'duplicate', never an error and never two rows;
and every entry the two requests wrote reaches the log, gapless."""
from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from functools import partial

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry, AuditQueued
from server.extensions import db
from server.inspections.models import Inspection
from testing.concurrent import at_once

from .factories import overload_record, returned, sync_body

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


HOLD, RELEASE = 6963001, 6963002  # advisory lock keys of the tests below


def test_a_copy_that_races_the_first_into_the_indexes_is_answered_duplicate_without_a_refusal(login_as):
    """PostgreSQL checks an INSERT ... ON CONFLICT's arbiter indexes before it writes any index
    entry of the row. A second copy of a record could pass that check while the first copy was
    half-way through its entries: it then waited on the first's entry in an index that was no
    arbiter (the root's revision) and failed there once the first committed. The failure was
    answered, but it sent the batch down the slow path, where records in flight on other servers
    were refused (`sync.storage_refused`, a flake of tests/test_sync_http.py).

    Here the first copy is held half-way (`_hold_half_way`); the second arrives meanwhile and must
    wait for the first, then be answered a duplicate, with no statement refused by the database."""
    clients = [login_as("officer1"), login_as("officer1")]
    clients[0].post("/api/sync", json=sync_body(overload_record()))  # the form version is published
    record = overload_record()
    _hold_half_way(record["uuid"])
    with _refusals() as refused:
        answers = _second_while_first_is_held(partial(clients[0].post, "/api/sync", json=sync_body(record)),
                                              partial(clients[1].post, "/api/sync", json=sync_body(record)))
    assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
    assert [a.get_json()["results"][0]["result"] for a in answers] == ["created", "duplicate"]
    assert refused == []
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Inspection)
                              .where(Inspection.uuid == record["uuid"])).scalar() == 1


def test_two_amendments_of_one_revision_at_once_store_one_and_name_it_to_the_other(login_as):
    """Two officers amend one returned record at the same moment, on two servers. The second
    amendment waits for the first in the database (the revision it replaces is taken), and is
    then answered as if it had come later: superseded, naming the first; nothing of it stored."""
    officer1, officer2 = login_as("officer1"), login_as("officer2")
    original = overload_record()
    assert officer1.post("/api/sync", json=sync_body(original)).status_code == 200
    returned(original["uuid"])
    first = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"],
             "officers": ["officer2", "officer1"], "amendment_reason": "补拍"}
    late = {**original, "uuid": str(uuid.uuid4()), "replaces": original["uuid"], "amendment_reason": "补记"}
    _hold_half_way(first["uuid"])
    answers = _second_while_first_is_held(partial(officer2.post, "/api/sync", json=sync_body(first)),
                                          partial(officer1.post, "/api/sync", json=sync_body(late)))
    assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
    assert answers[0].get_json()["results"][0]["result"] == "created"
    answer = answers[1].get_json()["results"][0]
    assert answer["result"] == "conflict" and answer["code"] == "sync.amendment_superseded", answer
    assert answer["latest_uuid"] == first["uuid"] and answer["latest_revision"] == 2
    db.session.expire_all()
    assert db.session.get(Inspection, uuid.UUID(late["uuid"])) is None
    assert db.session.get(Inspection, uuid.UUID(first["uuid"])).replaces_uuid == uuid.UUID(original["uuid"])


def _hold_half_way(record_uuid: str) -> None:
    """Make the first insert of `record_uuid` stop half-way through its index entries, until
    `_second_while_first_is_held` lets it go: a test index calls a function that waits for a lock
    the test holds. Index entries are written in the order the indexes were made, so the primary
    key is made again after the test index: the held row has its entries in the root-revision and
    the replaced-revision indexes, not yet in the UUID's. (The test's database is its own.)"""
    for statement in (
            f"""CREATE FUNCTION test_hold_first_insert(u uuid) RETURNS uuid LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
              IF u = '{record_uuid}'::uuid AND pg_try_advisory_xact_lock({HOLD}) THEN
                PERFORM pg_advisory_xact_lock_shared({RELEASE});  -- until the test lets go
              END IF;
              RETURN u;
            END $$""",
            "ALTER TABLE inspections DROP CONSTRAINT inspections_pkey CASCADE",
            "CREATE INDEX ix_test_hold ON inspections (test_hold_first_insert(uuid))",
            "ALTER TABLE inspections ADD CONSTRAINT inspections_pkey PRIMARY KEY (uuid)"):
        db.session.execute(sa.text(statement))
    db.session.commit()


def _second_while_first_is_held(first_call, second_call) -> list:
    """Run `first_call` until its insert is held half-way, then `second_call` until the database
    makes it wait for the first; then let the first go. Both answers, in that order."""
    answers = [None, None]

    def run(index: int, call) -> None:
        answers[index] = call()

    # In autocommit, so that each look at pg_stat_activity sees it now, not a snapshot.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
        holder.execute(sa.text(f"SELECT pg_advisory_lock({RELEASE})"))
        try:
            threads = [threading.Thread(target=run, args=(0, first_call), daemon=True),
                       threading.Thread(target=run, args=(1, second_call), daemon=True)]
            threads[0].start()
            _wait_for_backend(holder, "wait_event = 'advisory'", "the first insert held half-way")
            threads[1].start()
            _wait_for_backend(holder, "wait_event IN ('transactionid', 'spectoken')",
                              "the second insert waiting for the first")
        finally:
            holder.execute(sa.text(f"SELECT pg_advisory_unlock({RELEASE})"))
        for thread in threads:
            thread.join(30)
    assert None not in answers, "a sync did not answer within 30 s of the first being let go"
    return answers


@contextmanager
def _refusals():
    """The errors the database raises meanwhile, as the engine sees them."""
    refused = []

    def note(context) -> None:
        refused.append(context.original_exception)

    sa.event.listen(db.engine, "handle_error", note)
    try:
        yield refused
    finally:
        sa.event.remove(db.engine, "handle_error", note)


def _wait_for_backend(connection, condition: str, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while connection.execute(sa.text(f"SELECT count(*) FROM pg_stat_activity WHERE {condition}")).scalar() == 0:
        assert time.monotonic() < deadline, f"not seen in {timeout} s: {what}"
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
