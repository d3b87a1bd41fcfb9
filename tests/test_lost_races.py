"""A write that loses a race nobody foresaw is answered as what it is, not as a server failure:
the database refusing a unique key that a concurrent request took is 409 `request.conflict`, and
being chosen as a deadlock's victim (PostgreSQL) is 503 `server.unavailable` with Retry-After,
so that the phone's sync and the desk retry. Either way nothing of the request is stored. The
routes below are the test's own, on a real database: the races the app knows of are closed where
they arise (tests/test_*concurrency*.py); this is the net under the ones still unknown."""
from __future__ import annotations

import threading
from functools import partial

import pytest
import sqlalchemy as sa

from server.accounts.models import Team
from server.clock import utcnow
from server.extensions import db
from testing.concurrent import at_once


@pytest.fixture
def racing_app(app):
    start = threading.Barrier(2)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the commit's error is answered

    @app.post("/api/test-race/<how>")
    def race(how):
        if how == "in-view":  # the INSERT itself is refused (flushed inside the view)
            db.session.add(Team(code="RACE", name="后到的中队", created_at=utcnow()))
            db.session.flush()
        elif how == "at-commit":  # refused by the request's one commit, after the view
            db.session.add(Team(code="RACE", name="后到的中队", created_at=utcnow()))
        else:  # two requests lock two keys in opposite orders
            first, second = (1, 2) if how == "one-two" else (2, 1)
            db.session.add(Team(code=f"LOCK{first}", name="加锁", created_at=utcnow()))
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": first})
            start.wait(timeout=30)
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": second})
        return {"ok": True}
    return app


def teams() -> list[str]:
    db.session.rollback()
    return sorted(db.session.execute(sa.select(Team.code)).scalars())


@pytest.mark.parametrize("how", ["in-view", "at-commit"])
def test_a_unique_key_taken_meanwhile_is_a_409_and_stores_nothing(racing_app, how):
    db.session.add(Team(code="RACE", name="先到的中队", created_at=utcnow()))
    db.session.commit()
    before = teams()

    answer = racing_app.test_client().post(f"/api/test-race/{how}")

    assert answer.status_code == 409, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["code"] == "request.conflict"
    assert "未生效" in problem["detail"] and "刷新" in problem["detail"]
    assert teams() == before
    assert db.session.execute(sa.select(Team.name).where(Team.code == "RACE")).scalar() == "先到的中队"


def test_a_deadlock_victim_is_a_503_to_retry_and_the_other_request_commits(racing_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no deadlock between requests")
    hows = ("one-two", "two-one")
    answers = dict(zip(hows, at_once([partial(racing_app.test_client().post, f"/api/test-race/{how}")
                                      for how in hows]), strict=True))

    statuses = sorted(a.status_code for a in answers.values())
    assert statuses == [200, 503], {h: a.get_data(as_text=True) for h, a in answers.items()}
    victim = next(a for a in answers.values() if a.status_code == 503)
    assert victim.get_json()["code"] == "server.unavailable"
    assert victim.headers["Retry-After"] == "1"
    winner = next(h for h, a in answers.items() if a.status_code == 200)
    assert teams() == ["LOCK1" if winner == "one-two" else "LOCK2"]  # the victim stored nothing
