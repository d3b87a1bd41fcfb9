"""The demo data (`flask --app server demo seed`, run by `make run`) lets both teams run the whole
loop: each team's officers inspect in pairs and their own supervisor reviews, with the accounts the
seed prints."""
from __future__ import annotations

import pytest

from server.accounts import service

from .conftest import failing_overload_record, sync_and_upload

DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture
def seeded(app, runner):
    app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def as_user(app, username):
    client = app.test_client()
    client.login(username, DEMO_PASSWORD)
    return client


def test_each_team_has_a_supervisor_and_two_officers(seeded):
    for team in ("A", "B"):
        members = [u for u in service.list_users() if u.team and u.team.code == team]
        officers = [u.username for u in members if u.has_role("officer") and not u.has_role("supervisor")]
        supervisors = [u.username for u in members if u.has_role("supervisor")]
        assert len(officers) >= 2 and len(supervisors) >= 1, (team, officers, supervisors)
        for username in officers + supervisors:
            assert f"  {username} " in seeded  # printed with its password, as before


@pytest.mark.parametrize("team", ["A", "B"])
def test_each_teams_records_are_reviewed_by_its_own_supervisor(app, seeded, team):
    members = [u for u in service.list_users() if u.team and u.team.code == team]
    officers = [u.username for u in members if u.has_role("officer") and not u.has_role("supervisor")][:2]
    supervisor = next(u.username for u in members if u.has_role("supervisor"))
    shown = sync_and_upload(as_user(app, officers[0]), failing_overload_record(tuple(officers), plate=f"浙F{team}0001"))

    desk = as_user(app, supervisor)
    queue = desk.get("/api/review/queue").get_json()["items"]
    assert [r["uuid"] for r in queue] == [shown["uuid"]]
    state = desk.get(f"/api/inspections/{shown['uuid']}/review").get_json()
    assert state["allowed"]["return"] is None and state["allowed"]["approve"] is None
    returned = desk.post(f"/api/inspections/{shown['uuid']}/review/return",
                         json={"expected_status": "complete", "comment": "请补充称重单照片。"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
