"""An admin manages accounts over the API; everyone else is refused; every change is audited."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from server.accounts.models import User
from server.audit.models import AuditEntry
from server.clock import local_today
from server.extensions import db

from .conftest import PASSWORD


def last_entry():
    return db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()


def test_admin_creates_an_officer_who_can_then_log_in(login_as, app):
    admin = login_as("admin")
    r = admin.post("/api/users", json={
        "username": "officer7", "password": "a-long-password", "display_name": "赵六",
        "roles": ["officer"], "team": "A",
        "certificate": {"number": "33042499007", "valid_from": "2025-01-01", "valid_until": "2030-12-31"}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["certificate"] == {"number": "33042499007", "valid_from": "2025-01-01",
                                   "valid_until": "2030-12-31", "state": "valid"}
    assert "password" not in body
    # The account, then its certificate in the certificate history (server/officers/current.py).
    entry, certificate = db.session.execute(
        sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).scalars().all()[::-1]
    assert entry.action == "user.created" and entry.actor_username == "admin"
    assert "password" not in entry.details and "a-long-password" not in entry.details
    assert certificate.action == "officer.certificate_added" and certificate.actor_username == "admin"
    app.test_client().login("officer7", "a-long-password")


def test_admin_changes_roles_team_and_certificate(login_as, personas):
    admin = login_as("admin")
    uid = personas["officer3"].id
    r = admin.patch(f"/api/users/{uid}", json={"roles": ["officer", "supervisor"], "team": "A"})
    assert r.status_code == 200
    assert r.get_json()["roles"] == ["officer", "supervisor"] and r.get_json()["team"]["code"] == "A"
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    r = admin.put(f"/api/users/{uid}/certificate",
                  json={"number": "X1", "valid_from": "2020-01-01", "valid_until": yesterday})
    assert r.status_code == 200 and r.get_json()["certificate"]["state"] == "expired"
    assert last_entry().action == "user.certificate_set"


def test_admin_sets_a_password_and_the_old_one_stops_working(login_as, personas, app):
    officer = login_as("officer1")
    admin = login_as("admin")
    r = admin.put(f"/api/users/{personas['officer1'].id}/password", json={"password": "brand-new-secret"})
    assert r.status_code == 204
    assert officer.get("/api/me").status_code == 401  # sessions ended
    old_password = {"username": "officer1", "password": PASSWORD}
    assert app.test_client().post("/api/session", json=old_password).status_code == 401
    app.test_client().login("officer1", "brand-new-secret")


@pytest.mark.parametrize("who", ["officer1", "supervisor1", "reviewer1"])
def test_only_admins_manage_accounts(login_as, personas, who):
    client = login_as(who)
    uid = personas["officer2"].id
    before = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar()
    calls = [
        client.get("/api/users"),
        client.get(f"/api/users/{uid}"),
        client.post("/api/users", json={"username": "x1", "password": "p" * 12, "roles": ["admin"]}),
        client.patch(f"/api/users/{uid}", json={"active": False}),
        client.put(f"/api/users/{uid}/password", json={"password": "p" * 12}),
        client.put(f"/api/users/{uid}/certificate", json={"number": None, "valid_from": None, "valid_until": None}),
        client.post("/api/teams", json={"code": "C", "name": "三中队"}),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)
    assert all(c.get_json()["code"] == "auth.forbidden" for c in calls)
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == before
    assert db.session.get(User, uid).is_active


def test_duplicate_username_weak_password_and_unknown_team(login_as):
    admin = login_as("admin")
    base = {"password": "a-long-password", "roles": ["officer"]}
    r = admin.post("/api/users", json={"username": "officer1", **base})
    assert r.status_code == 409 and r.get_json()["code"] == "account.username_taken"
    r = admin.post("/api/users", json={**base, "username": "newbie", "password": "short"})
    assert r.status_code == 422 and "password" in r.get_json()["errors"]
    r = admin.post("/api/users", json={**base, "username": "newbie", "team": "Z"})
    assert r.status_code == 422 and r.get_json()["code"] == "account.team_not_found"
    r = admin.post("/api/users", json={**base, "username": "newbie", "roles": ["boss"]})
    assert r.status_code == 422 and "roles" in r.get_json()["errors"]


def test_admin_cannot_lock_themselves_out(login_as, personas):
    admin = login_as("admin")
    r = admin.patch(f"/api/users/{personas['admin'].id}", json={"active": False})
    assert r.status_code == 403
    assert admin.get("/api/me").status_code == 200


def test_unknown_user_is_404(login_as):
    r = login_as("admin").get("/api/users/99999")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_colleagues_list_shows_officers_and_certificate_state(login_as, personas):
    officers = login_as("officer3").get("/api/officers").get_json()
    names = {o["username"]: o for o in officers}
    assert set(names) == {"officer1", "officer2", "officer3"}
    assert names["officer1"]["certificate_state"] == "valid"
    assert "roles" not in names["officer1"] and "password_hash" not in names["officer1"]


def test_certificate_dates_are_checked(login_as, personas):
    admin = login_as("admin")
    r = admin.put(f"/api/users/{personas['officer1'].id}/certificate",
                  json={"number": "X", "valid_from": "2026-01-01", "valid_until": "2025-01-01"})
    assert r.status_code == 422 and "valid_until" in r.get_json()["errors"]
    assert db.session.get(User, personas["officer1"].id).certificate_state() == "valid"


def test_certificate_state_boundaries(create_user):
    user = create_user("officer5")
    user.certificate_valid_from, user.certificate_valid_until = date(2026, 1, 1), date(2026, 12, 31)
    assert user.certificate_state(date(2025, 12, 31)) == "not_yet_valid"
    assert user.certificate_state(date(2026, 1, 1)) == "valid"
    assert user.certificate_state(date(2026, 12, 31)) == "valid"
    assert user.certificate_state(date(2027, 1, 1)) == "expired"
    user.certificate_number = None
    assert user.certificate_state(date(2026, 6, 1)) == "missing"
