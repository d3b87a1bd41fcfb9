"""Two officers sync, at the same moment, records of the same target at the same time without a
revisit reason (PostgreSQL runs writers at once, with no global lock): one is stored, the other
is refused for want of a reason, as when they arrive one after the other; never both stored."""
from __future__ import annotations

from functools import partial

import pytest

from server.extensions import db
from testing.concurrent import at_once
from tests.factories import overload_record, sync_body

from .test_revisit import days_ago, load_directory, sync

ROUNDS = 4


def _sync_at_once(clients, records) -> list:
    return at_once([partial(client.post, "/api/sync", json=sync_body(record))
                    for client, record in zip(clients, records, strict=True)])


def test_a_target_inspected_twice_at_once_needs_a_reason_for_one(login_as, app):
    target = load_directory(login_as)["浙F12345"]
    app.config["TARGET_REVISIT_WINDOW_DAYS"] = 1  # each round's records are outside the others' window
    clients = [login_as("officer1"), login_as("officer2")]
    sync(clients[0], overload_record(started_at=days_ago(30)))  # the form version is published
    for r in range(ROUNDS):
        started = days_ago(2 * (ROUNDS - r))
        records = [overload_record(target_id=target, started_at=started) for _ in clients]
        answers = _sync_at_once(clients, records)
        assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
        results = sorted((a.get_json()["results"][0]["result"], a.get_json()["results"][0].get("code"))
                         for a in answers)
        assert results == [("created", None), ("rejected", "sync.revisit_reason_required")], results


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
