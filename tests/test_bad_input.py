"""Bad input gets a problem+json 4xx, never a 500, and nothing in the database changes."""
import json

import pytest
import sqlalchemy as sa

from server.accounts.models import Team, User, UserSession
from server.audit.models import AuditEntry
from server.extensions import db


def snapshot():
    db.session.expire_all()

    def count(model) -> int:
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()

    return {m.__name__: count(m) for m in (User, Team, UserSession, AuditEntry)}


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["code"]
    if code:
        assert body["code"] == code
    return body


CREATE = "/api/users"
VALID = {"username": "newbie", "password": "a-long-password", "roles": ["officer"]}


@pytest.mark.parametrize("kwargs, status, code", [
    (dict(data=b"", content_type="application/json"), 400, "request.body_empty"),
    (dict(data=b"username=x", content_type="application/x-www-form-urlencoded"), 415, "request.not_json"),
    (dict(data=b"<xml/>", content_type="text/xml"), 415, "request.not_json"),
    (dict(data=b'{"username": "x",', content_type="application/json"), 400, "request.invalid_json"),
    (dict(data=b"\xff\xfe\x00garbage", content_type="application/json"), 400, "request.invalid_json"),
    (dict(json=[1, 2, 3]), 422, "request.validation"),
    (dict(json="just a string"), 422, "request.validation"),
    (dict(json={**VALID, "username": 12345}), 422, "request.validation"),
    (dict(json={**VALID, "roles": "officer"}), 422, "request.validation"),
    (dict(json={**VALID, "is_superuser": True}), 422, "request.validation"),
    (dict(json={k: v for k, v in VALID.items() if k != "password"}), 422, "request.validation"),
    (dict(json={**VALID, "username": "../../etc"}), 422, "request.validation"),
    # Not I-JSON (RFC 7493): parsers would disagree, or the database could not store it.
    (dict(data=b'{"username": "a", "username": "b", "password": "a-long-password"}',
          content_type="application/json"), 400, "request.invalid_json"),
    (dict(data=b'{"username": "newbie", "password": NaN}', content_type="application/json"), 400,
     "request.invalid_json"),
    (dict(data=b'{"username": "newbie", "password": -Infinity}', content_type="application/json"), 400,
     "request.invalid_json"),
    (dict(data=b'{"username": "newbie", "password": 1e999}', content_type="application/json"), 400,
     "request.invalid_json"),
    (dict(data=b'{"username": "new\\ud800bie", "password": "a-long-password"}',
          content_type="application/json"), 400, "request.invalid_json"),
    (dict(data=b'{"username": "new\\u0000bie", "password": "a-long-password"}',
          content_type="application/json"), 400, "request.invalid_json"),
    (dict(data=json.dumps(VALID).encode("utf-16"), content_type="application/json"), 400,
     "request.invalid_json"),
    (dict(data=b'{"username": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
          content_type="application/json"), 400, "request.invalid_json"),
    (dict(data=json.dumps({**VALID, "display_name": "x" * (10 * 1024 * 1024)}),
          content_type="application/json"), 413, "request.too_large"),
])
def test_bad_bodies_are_refused_and_nothing_changes(login_as, kwargs, status, code):
    admin = login_as("admin")
    before = snapshot()
    body = assert_problem(admin.post(CREATE, **kwargs), status, code)
    assert snapshot() == before
    if status == 422:
        assert body["errors"], body


def test_field_errors_are_in_chinese(login_as):
    body = login_as("admin").post(CREATE, json={"username": "newbie", "roles": ["officer"], "x": 1}).get_json()
    assert body["errors"]["password"] == ["此项必填。"]
    assert body["errors"]["x"] == ["不认识的字段，请删除。"]


@pytest.mark.parametrize("payload", [
    {}, {"username": "officer1"}, {"username": 1, "password": 2}, {"username": "", "password": ""},
    {"username": "officer1", "password": "x", "remember": True},
])
def test_bad_login_bodies(client, personas, payload):
    before = snapshot()
    assert_problem(client.post("/api/session", json=payload), 422, "request.validation")
    assert snapshot() == before


def test_login_with_non_json_or_empty_body(client, personas):
    assert_problem(client.post("/api/session", data="username=officer1&password=x",
                               content_type="application/x-www-form-urlencoded"), 415)
    assert_problem(client.post("/api/session"), 400, "request.body_empty")


def test_unknown_route_and_wrong_method(client, login_as):
    assert_problem(client.get("/api/nothing-here"), 404, "request.not_found")
    r = login_as("admin").put("/api/users", json={})
    assert_problem(r, 405, "request.method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_an_unexpected_error_is_a_problem_500_and_rolls_back(app, login_as, personas):
    from server.accounts import service

    @app.route("/api/_boom", methods=["POST"])
    def boom():
        service.create_team("Z", "test")
        raise RuntimeError("kaboom-secret")

    admin = login_as("admin")
    before = snapshot()
    r = admin.post("/api/_boom", json={})
    body = assert_problem(r, 500, "server.error")
    assert "kaboom" not in json.dumps(body) and "RuntimeError" not in json.dumps(body)
    assert snapshot() == before


@pytest.mark.parametrize("query, expected", [
    ("limit=100000", "应在 1 到 200 之间。"),
    ("q=" + "x" * 101, "长度应在 1 到 100 之间。"),
    ("status=lost", "应为以下之一："),
])
def test_messages_of_validators_with_values_are_in_chinese(login_as, query, expected):
    r = login_as("officer1").get("/api/inspections?" + query)
    assert r.status_code == 422
    (messages,) = r.get_json()["errors"].values()
    assert messages[0].startswith(expected), messages
