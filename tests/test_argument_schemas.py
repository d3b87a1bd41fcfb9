"""A route's argument schema is made once, when the route is declared, not for each request
(server/schemas.py, Blueprint.arguments): making a marshmallow Schema copies its declared fields,
2 % of a one-record sync's CPU (issue 19). The one instance then serves concurrent requests."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import marshmallow
import pytest

from .factories import overload_record, sync_body


@pytest.fixture
def schemas_made(monkeypatch) -> list[str]:
    """The class name of every marshmallow Schema made from now on."""
    made: list[str] = []
    init = marshmallow.Schema.__init__

    def counting(self, *args, **kwargs):
        made.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    return made


def test_a_sync_and_a_query_make_no_argument_schema(login_as, schemas_made):
    officer = login_as("officer1")
    response = officer.post("/api/sync", json=sync_body(overload_record()))
    assert response.status_code == 200, response.get_json()
    response = officer.get("/api/calendar/deadline?start=2026-03-02&days=5")
    assert response.status_code == 200, response.get_json()
    assert "SyncRequestSchema" not in schemas_made
    assert "DeadlineQuerySchema" not in schemas_made


def test_one_schema_instance_answers_concurrent_requests_each_with_its_own_arguments(app, login_as):
    login_as("officer1")  # the account
    starts = [date(2026, 3, 2) + timedelta(days=i) for i in range(24)]

    def deadline(start: date) -> tuple:
        client = login_as("officer1")
        bad = client.get(f"/api/calendar/deadline?start={start}&days=0")  # out of range: refused
        good = client.get(f"/api/calendar/deadline?start={start}&days={start.day}")
        return bad.status_code, good.get_json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(deadline, starts))
    for start, (bad, good) in zip(starts, answers, strict=True):
        assert bad == 422
        assert (good["start"], good["days"]) == (start.isoformat(), start.day)
