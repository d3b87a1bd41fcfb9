"""Log in, stay logged in for a field day, log out; CSRF; throttling and lockout."""
import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from testing.accounts import end_in_database

from .conftest import PASSWORD


def actions():
    return [e.action for e in db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars()]


def test_officer_logs_in_sees_self_and_logs_out(client, personas):
    r = client.post("/api/session", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 200
    body = r.get_json()
    assert body["user"]["username"] == "officer1"
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    assert len(body["csrf_token"]) >= 32
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie

    me = client.get("/api/me").get_json()
    assert me["roles"] == ["officer"]
    assert me["team"]["code"] == "A"
    assert me["certificate"]["state"] == "valid"
    assert me["csrf_token"] == body["csrf_token"]

    r = client.delete("/api/session", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 204
    assert client.get("/api/me").status_code == 401
    assert actions()[-2:] == ["auth.login", "auth.logout"]


def test_username_is_case_insensitive(client, personas):
    assert client.post("/api/session", json={"username": " Officer1 ", "password": PASSWORD}).status_code == 200


def test_a_stolen_cookie_is_dead_after_logout(app, personas):
    a = app.test_client()
    a.login("officer1")
    stolen = a.get_cookie("fieldcase_session").value
    a.delete("/api/session")
    b = app.test_client()
    b.set_cookie("fieldcase_session", stolen)
    assert b.get("/api/me").status_code == 401


@pytest.mark.parametrize("ended", ["revoked", "expired", "disabled"])
def test_a_session_that_ended_in_the_database_is_no_user_on_its_next_request(login_as, ended):
    """Revoked (another worker's logout, an admin's), past its expiry, or its user disabled: the
    next request, whichever worker takes it, finds no user (the look-up is a query built once,
    its token and time bound per request)."""
    officer = login_as("officer1")
    assert officer.get("/api/me").status_code == 200
    end_in_database(ended, "officer1")
    response = officer.get("/api/me")
    assert response.status_code == 401 and response.get_json()["code"] == "auth.required"


def test_wrong_password_and_unknown_user_answer_alike(client, personas):
    wrong = client.post("/api/session", json={"username": "officer1", "password": "nope-nope-nope"})
    unknown = client.post("/api/session", json={"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.mimetype == unknown.mimetype == "application/problem+json"
    assert wrong.get_json()["code"] == unknown.get_json()["code"] == "auth.invalid_credentials"
    assert "用户名或密码错误" in wrong.get_json()["detail"]
    assert actions()[-2:] == ["auth.login_failed", "auth.login_failed"]


def test_state_change_without_csrf_token_is_refused(client, personas):
    client.login("officer1")
    token, client.csrf_token = client.csrf_token, None
    r = client.delete("/api/session")
    assert r.status_code == 403 and r.get_json()["code"] == "auth.csrf_failed"
    r = client.delete("/api/session", headers={"X-CSRF-Token": "x" * 43})
    assert r.status_code == 403
    assert client.get("/api/me").status_code == 200  # still logged in: nothing changed
    assert client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204


def test_account_is_locked_after_repeated_failures_and_the_lockout_is_logged(client, personas, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    wrong = {"username": "officer1", "password": "bad-password-x"}
    for _ in range(limit):
        assert client.post("/api/session", json=wrong).status_code == 401
    r = client.post("/api/session", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 429
    assert r.get_json()["code"] == "auth.account_locked"
    assert int(r.headers["Retry-After"]) > 0
    assert "auth.account_locked" in actions() and actions()[-1] == "auth.login_refused"
    # Another account is not affected.
    assert client.post("/api/session", json={"username": "officer2", "password": PASSWORD}).status_code == 200


def test_an_address_guessing_across_accounts_is_throttled(app, personas):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    client = app.test_client()
    for i in range(6):
        client.post("/api/session", json={"username": f"guess{i}", "password": "bad-password-x"})
    r = client.post("/api/session", json={"username": "officer1", "password": "guess-number-7"})
    assert r.status_code == 429 and r.get_json()["code"] == "auth.address_throttled"
    assert int(r.headers["Retry-After"]) > 0
    assert actions()[-1] == "auth.login_failed"  # counted against officer1's own limit too


def test_colleagues_behind_one_address_keep_logging_in_when_another_user_fails(app, personas):
    # A bureau's office behind one NAT address: one careless user (or a script) fails many times.
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    office = {"REMOTE_ADDR": "203.0.113.10"}
    careless = app.test_client()
    for i in range(12):
        careless.post("/api/session", json={"username": f"typo{i % 3}", "password": "bad-password-x"},
                      environ_base=office)
    for colleague in ("officer2", "supervisor1", "admin"):
        r = app.test_client().post("/api/session", json={"username": colleague, "password": PASSWORD},
                                   environ_base=office)
        assert r.status_code == 200, (colleague, r.get_json())
    # Each account's own lockout still holds from that address.
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        app.test_client().post("/api/session", json={"username": "officer1", "password": "wrong-one-x"},
                               environ_base=office)
    r = app.test_client().post("/api/session", json={"username": "officer1", "password": PASSWORD},
                               environ_base=office)
    assert r.status_code == 429 and r.get_json()["code"] == "auth.account_locked"


def test_successful_login_clears_the_failure_count(client, personas, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        client.post("/api/session", json={"username": "officer1", "password": "bad-password-x"})
    client.login("officer1")
    for _ in range(limit - 1):
        client.post("/api/session", json={"username": "officer1", "password": "bad-password-x"})
    assert client.post("/api/session", json={"username": "officer1", "password": PASSWORD}).status_code == 200


def test_disabled_account_cannot_log_in_and_its_sessions_end(app, login_as, personas):
    officer = login_as("officer1")
    admin = login_as("admin")
    r = admin.patch(f"/api/users/{personas['officer1'].id}", json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert officer.get("/api/me").status_code == 401
    r = app.test_client().post("/api/session", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 403 and r.get_json()["code"] == "auth.account_disabled"


def test_session_cookie_is_secure_when_configured(app_config):
    from server import create_app
    from server.accounts import service

    app = create_app({**app_config, "SECURE_COOKIES": True})
    with app.app_context():
        service.create_user("officer9", PASSWORD, team_code=None)
        db.session.commit()
        r = app.test_client().post("/api/session", json={"username": "officer9", "password": PASSWORD})
        assert "Secure" in r.headers["Set-Cookie"]
        db.session.remove()
        db.engine.dispose()


def test_unauthenticated_requests_get_401(client):
    for path in ("/api/me", "/api/users", "/api/officers", "/api/teams"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.get_json()["code"] == "auth.required"


def _clock(monkeypatch) -> dict:
    """The wall clock, moved on by `clock["offset"]` seconds, for the cookie's signer and its
    renewal alike."""
    import time
    real, clock = time.time, {"offset": 0.0}
    monkeypatch.setattr(time, "time", lambda: real() + clock["offset"])
    return clock


def test_the_idle_lifetime_slides_without_re_signing_the_cookie_on_every_request(app, personas, monkeypatch):
    # Re-signing costs a compressed, HMAC'd payload per request: a phone syncing record after
    # record gets its cookie renewed at most once a minute, and stays logged in all the same.
    clock = _clock(monkeypatch)
    officer = app.test_client()
    officer.login("officer1")
    assert officer.get("/api/me").status_code == 200
    assert "Set-Cookie" not in officer.get("/api/me").headers  # signed a moment ago

    clock["offset"] = app.config["SESSION_RENEW_SECONDS"] + 1
    renewed = officer.get("/api/me")
    assert renewed.status_code == 200 and "fieldcase_session=" in renewed.headers["Set-Cookie"]


def test_a_session_idle_for_longer_than_its_lifetime_is_over(app, personas, monkeypatch):
    clock = _clock(monkeypatch)
    officer = app.test_client()
    officer.login("officer1")
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()

    clock["offset"] = idle - 120  # used again just before the idle lifetime ends: renewed
    assert "Set-Cookie" in officer.get("/api/me").headers
    clock["offset"] = 2 * idle - 240  # still alive: its lifetime slid from the renewal
    assert officer.get("/api/me").status_code == 200
    clock["offset"] = 3 * idle  # then a night and more without a request
    assert officer.get("/api/me").status_code == 401
