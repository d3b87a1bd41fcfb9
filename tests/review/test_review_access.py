"""Who may take which review action: the access matrix as a table, every cell tried.

Team A's record was made by officer1 + leader (a supervisor of team A who also works as an
officer). Supervisors act on their team only and never on their own work; legal reviewers give
opinions on what was sent to them; an admin sees everything but acts only through a role they
hold. Who cannot see the record gets 404, who can see it but may not act gets 403.
"""
from __future__ import annotations

import pytest

from server.review.models import CHECKLIST

SUPERVISOR_ACTIONS = {
    "approve": {"expected_status": "complete"},
    "return": {"expected_status": "complete", "comment": "请补充。"},
    "legal-review": {"expected_status": "complete", "reason": "重大执法决定。"},
}
OPINION = {"expected_status": "in_review", "opinion": "agree", "checklist": dict.fromkeys(CHECKLIST, True)}

# who -> (answer to each supervisor action on a complete record, answer to a legal opinion on it
# once sent to legal review)
MATRIX = {
    "officer1":    ((403, "review.not_supervisor"), (403, "review.not_legal_reviewer")),  # took part
    "officer2":    ((404, None), (404, None)),                     # team A, but not in this one
    "officer3":    ((404, None), (404, None)),                     # team B
    "supervisor1": ((200, None), (403, "review.not_legal_reviewer")),
    "supervisor2": ((404, None), (404, None)),                     # supervisor of team B
    "leader":      ((403, "review.own_work"), (403, "review.not_legal_reviewer")),  # took part
    "reviewer1":   ((404, None), (200, None)),                     # sees it once sent
    "admin":       ((403, "review.not_supervisor"), (403, "review.not_legal_reviewer")),
    "chief":       ((200, None), (403, "review.not_legal_reviewer")),  # admin + supervisor of A
}


@pytest.fixture
def team_a_record(submitted):
    return submitted(officers=("officer1", "leader"))


@pytest.mark.parametrize("action", SUPERVISOR_ACTIONS)
@pytest.mark.parametrize("who", MATRIX)
def test_supervisor_actions(login_as, team_a_record, who, action):
    expected_status, expected_code = MATRIX[who][0]
    r = login_as(who).post(f"/api/inspections/{team_a_record['uuid']}/review/{action}",
                           json=SUPERVISOR_ACTIONS[action])
    assert r.status_code == expected_status, (who, action, r.get_json())
    if expected_code:
        assert r.get_json()["code"] == expected_code
    if expected_status == 404:
        assert r.get_json()["code"] == "request.not_found"


@pytest.mark.parametrize("who", MATRIX)
def test_legal_opinion(login_as, team_a_record, who):
    sent = login_as("supervisor1").post(f"/api/inspections/{team_a_record['uuid']}/review/legal-review",
                                        json=SUPERVISOR_ACTIONS["legal-review"])
    assert sent.status_code == 200
    expected_status, expected_code = MATRIX[who][1]
    r = login_as(who).post(f"/api/inspections/{team_a_record['uuid']}/review/legal-opinion", json=OPINION)
    assert r.status_code == expected_status, (who, r.get_json())
    if expected_code:
        assert r.get_json()["code"] == expected_code


@pytest.mark.parametrize("who", MATRIX)
def test_the_queue_lists_what_one_may_review(login_as, submitted, team_a_record, who):
    team_b = submitted(officers=("officer3", "officer1"), plate="浙F00002")  # team B (submitted by officer3)
    listed = {i["uuid"] for i in login_as(who).get("/api/review/queue").get_json()["items"]}
    sees_a = MATRIX[who][0][0] != 404
    sees_b = who in ("officer1", "officer3", "supervisor2", "admin", "chief")
    assert listed == {u for u, seen in ((team_a_record["uuid"], sees_a), (team_b["uuid"], sees_b)) if seen}
