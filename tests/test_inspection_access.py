"""Who sees which record: the access matrix as a table, every disallowed cell must fail."""
import uuid
from datetime import datetime, timedelta

import pytest

from server.clock import utcnow
from server.extensions import db
from server.inspections.models import Inspection

from .factories import SHANGHAI, overload_record, sync_body


@pytest.fixture
def records(login_as, create_user, personas):
    """Team A's record (officer1 + officer2), team B's (officer3 + officer4), and team B's record
    sent to legal review."""
    create_user("officer4", team="B")
    a = overload_record(["officer1", "officer2"], plate="浙F00001")
    b = overload_record(["officer3", "officer4"], plate="浙F00002")
    b_legal = overload_record(["officer3", "officer4"], plate="浙F00003")
    assert login_as("officer1").post("/api/sync", json=sync_body(a)).status_code == 200
    assert login_as("officer3").post("/api/sync", json=sync_body(b, b_legal)).status_code == 200
    sent = db.session.get(Inspection, uuid.UUID(b_legal["uuid"]))
    sent.legal_review_requested_at = sent.legal_review_due_at = utcnow()
    sent.major_decision_reason = "重大执法决定"
    db.session.commit()
    return {"team_a": a["uuid"], "team_b": b["uuid"], "legal": b_legal["uuid"]}


# who -> the records they may see
MATRIX = {
    "officer1": {"team_a"},              # took part (submitted)
    "officer2": {"team_a"},              # took part (co-officer)
    "officer3": {"team_b", "legal"},
    "supervisor1": {"team_a"},           # supervisor of team A only
    "reviewer1": {"legal"},              # only what was sent for legal review
    "admin": {"team_a", "team_b", "legal"},
}


@pytest.mark.parametrize("who", MATRIX)
def test_access_matrix(login_as, records, who):
    client = login_as(who)
    listed = {i["uuid"] for i in client.get("/api/inspections").get_json()["items"]}
    assert listed == {records[name] for name in MATRIX[who]}
    for name, record_uuid in records.items():
        r = client.get(f"/api/inspections/{record_uuid}")
        if name in MATRIX[who]:
            assert r.status_code == 200, (who, name)
            assert r.get_json()["uuid"] == record_uuid
        else:
            assert r.status_code == 404, (who, name)  # not 403: its existence is not revealed
            assert r.get_json()["code"] == "request.not_found"


def test_unknown_and_malformed_ids(login_as, records):
    admin = login_as("admin")
    assert admin.get(f"/api/inspections/{uuid.uuid4()}").status_code == 404
    assert admin.get("/api/inspections/not-a-uuid").status_code == 404


def test_anonymous_sees_nothing(client, records):
    assert client.get("/api/inspections").status_code == 401
    assert client.get(f"/api/inspections/{records['team_a']}").status_code == 401


def test_filters_and_keyset_pagination(login_as, personas):
    officer = login_as("officer1")
    day = datetime.now(SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    sent = []
    for i in range(7):
        record = overload_record(started_at=day + timedelta(days=i % 2), plate=f"浙F1000{i}")
        sent.append(record)
        assert officer.post("/api/sync", json=sync_body(record)).status_code == 200
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = officer.get("/api/inspections", query_string=query).get_json()
        seen += [i["uuid"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(r["uuid"] for r in sent) and len(seen) == 7  # each once
    q = officer.get("/api/inspections", query_string={"q": "F10003"}).get_json()["items"]
    assert [i["subject"]["name"] for i in q] == ["浙F10003"]
    first_day = officer.get("/api/inspections", query_string={
        "from": day.date().isoformat(), "to": day.date().isoformat()}).get_json()["items"]
    assert len(first_day) == 4
    filtered = officer.get("/api/inspections?form=overload&status=incomplete&team=A&officer=officer2").get_json()
    assert len(filtered["items"]) == 7
    assert officer.get("/api/inspections?status=approved").get_json()["items"] == []
    assert officer.get("/api/inspections?q=%25").get_json()["items"] == []  # % is literal
    assert officer.get("/api/inspections?cursor=garbage").status_code == 400
    assert officer.get("/api/inspections?limit=1000").status_code == 422
    assert officer.get("/api/inspections?status=lost").status_code == 422


# Who is asking is checked before what they sent: a caller with no business at an endpoint gets
# 401/403, never a validation answer that tells it how the endpoint reads its input.
WRONG_CALLERS = [
    (None, "POST", "/api/sync", {"records": "not a list"}, 401),
    ("supervisor1", "POST", "/api/sync", {"records": "not a list"}, 403),
    ("reviewer1", "GET", "/api/sync/status?since=not-a-time", None, 403),
    (None, "GET", "/api/inspections?limit=100000", None, 401),
    ("officer1", "POST", "/api/users", {"username": ""}, 403),
    ("officer1", "POST", "/api/teams", {}, 403),
    # A fixed UUID: test ids must be the same in every pytest-xdist worker.
    (None, "POST", "/api/inspections/7b3de2db-ee34-428d-a4e7-17abffdb7bdd/review/approve", {"nonsense": 1}, 401),
]


@pytest.mark.parametrize("who, method, path, body, status", WRONG_CALLERS,
                         ids=[f"{w}-{m}-{p.split('?')[0]}" for w, m, p, _, _ in WRONG_CALLERS])
def test_the_caller_is_checked_before_the_input(client, login_as, who, method, path, body, status):
    caller = login_as(who) if who else client
    response = caller.open(path, method=method, json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == ("auth.required" if status == 401 else "auth.forbidden")
