"""Two supervisors open cases at the same moment, from two findings (PostgreSQL runs writers at
once, with no global lock): both cases open, with two distinct 案号 of the year's series, never a
500 from two requests counting the same cases and taking the same number."""
from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa

from server.cases.case_models import Case
from server.clock import local_today
from server.extensions import db
from testing.concurrent import at_once

ROUNDS = 4


def test_two_cases_opened_at_once_get_distinct_numbers(approved, login_as):
    clients = [login_as("supervisor1"), login_as("supervisor1")]
    records = [approved(plate=f"浙F{10000 + i}") for i in range(2 * ROUNDS)]
    year = local_today().year
    for r in range(ROUNDS):
        paths = [f"/api/inspections/{record['uuid']}/findings/within_limit/disposition"
                 for record in records[2 * r:2 * r + 2]]
        answers = at_once([partial(c.post, p, json={"kind": "case", "note": "超限 2250 千克"})
                           for c, p in zip(clients, paths, strict=True)])
        assert [a.status_code for a in answers] == [201, 201], [a.get_json() for a in answers]
    db.session.expire_all()
    numbers = db.session.execute(sa.select(Case.number).order_by(Case.id)).scalars().all()
    assert sorted(numbers) == [f"交执罚〔{year}〕{n:04d}号" for n in range(1, 2 * ROUNDS + 1)]
    cases = login_as("supervisor1").get("/api/cases").get_json()
    assert len(cases) == 2 * ROUNDS


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race is PostgreSQL's")
