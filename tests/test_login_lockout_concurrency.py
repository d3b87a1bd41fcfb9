"""Password guesses for one account sent all at once (PostgreSQL runs writers at once, with no
global lock): the account still locks after LOGIN_MAX_FAILURES_PER_ACCOUNT wrong passwords, as
when they come one after another, rather than each guess counting the failures before the others
are recorded and all being tried."""
from __future__ import annotations

from functools import partial

import pytest

from server.extensions import db
from testing.concurrent import at_once
from tests.conftest import PASSWORD


def test_guesses_sent_at_once_get_no_more_tries_than_the_limit(app, personas):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    guesses = 2 * limit
    clients = [app.test_client() for _ in range(guesses)]
    answers = at_once([partial(client.post, "/api/session",
                               json={"username": "officer1", "password": f"guess-{i}-x"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"})
                       for i, client in enumerate(clients)])
    codes = sorted((a.status_code, a.get_json()["code"]) for a in answers)
    tried = [c for c in codes if c[0] == 401]
    assert len(tried) == limit, codes
    assert codes[limit:] == [(429, "auth.account_locked")] * limit, codes
    right = app.test_client().post("/api/session", json={"username": "officer1", "password": PASSWORD})
    assert right.status_code == 429 and right.get_json()["code"] == "auth.account_locked"


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
