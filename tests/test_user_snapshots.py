"""A sync reads its submitter and the officers its records name as read-only UserSnapshots, from one
Core query (server/accounts/snapshots.py): each must say what the User says, for every state a
sync checks (roles, team, certificate on a given day, disabled), and a session that no longer
counts (revoked, expired, its user disabled) must give no user."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.accounts import service
from server.accounts.models import User, UserSession
from server.accounts.snapshots import USER_COLUMNS, UserSnapshot
from server.clock import local_today, utcnow
from server.extensions import db


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _token(username: str) -> str:
    token = service.open_session(_user(username), "127.0.0.1", "pytest")
    db.session.commit()
    return token


def _read(token: str, names: set[str]):
    db.session.remove()  # a fresh request's session: nothing loaded before
    current, named = service.session_user_and_named(token, names)
    db.session.rollback()
    return current, named


def _same(snapshot: UserSnapshot, user: User) -> None:
    for name in USER_COLUMNS:
        assert getattr(snapshot, name) == getattr(user, name), name
    assert snapshot.roles == user.roles
    assert (snapshot.team and (snapshot.team.id, snapshot.team.code, snapshot.team.name)) == (
        user.team and (user.team.id, user.team.code, user.team.name))
    assert snapshot.is_active == user.is_active
    today = local_today()
    for day in (today - timedelta(days=800), today - timedelta(days=31), today, today + timedelta(days=366)):
        assert snapshot.certificate_state(day) == user.certificate_state(day), day
    for role in ("officer", "supervisor", "legal_reviewer", "admin"):
        assert snapshot.has_role(role) == user.has_role(role)
        assert snapshot.has_role("nobody", role) == user.has_role("nobody", role)


def test_snapshots_say_what_the_users_say(app, personas, create_user):
    create_user("expired1", certificate="expired", roles=("officer", "supervisor"), team="B")
    create_user("nocert1", certificate=None, team=None)
    service.update_user(_user("officer3"), {"active": False})
    db.session.commit()
    names = {"officer2", "officer3", "expired1", "nocert1", "reviewer1", "nobody"}
    token = _token("officer1")
    current, named = _read(token, names)
    assert current.username == "officer1"
    # Every named user that exists, in any state (a disabled officer is named, to be refused by
    # the checks with a reason); an unknown name is simply absent.
    assert set(named) == names - {"nobody"}
    for snapshot in [current, *named.values()]:
        _same(snapshot, _user(snapshot.username))
    assert named["officer3"].is_active is False
    assert named["expired1"].certificate_state() == "expired"
    assert named["nocert1"].team is None and named["nocert1"].certificate_state() == "missing"


def test_the_submitter_named_in_the_body_is_read_once_and_is_the_same_snapshot(app, personas):
    current, named = _read(_token("officer1"), {"officer1", "officer2"})
    assert named["officer1"] is current
    assert current.roles == ["officer"]  # one row per role, one role: no duplicate


@pytest.mark.parametrize("ended", ["revoked", "expired", "user disabled"])
def test_a_session_that_no_longer_counts_gives_no_user_but_the_named_are_still_read(app, personas, ended):
    token = _token("officer1")
    if ended == "revoked":
        db.session.execute(sa.update(UserSession).values(revoked_at=utcnow()))
    elif ended == "expired":
        db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    else:
        db.session.execute(sa.update(User).where(User.username == "officer1").values(disabled_at=utcnow()))
    db.session.commit()
    current, named = _read(token, {"officer1", "officer2"})
    assert current is None
    assert set(named) == {"officer1", "officer2"}


def test_a_snapshot_cannot_be_changed(app, personas):
    current, _ = _read(_token("officer1"), {"officer2"})
    for name, value in (("display_name", "别人"), ("disabled_at", None), ("role_names", frozenset({"admin"})),
                        ("anything", 1)):
        with pytest.raises(AttributeError):
            setattr(current, name, value)
    with pytest.raises(AttributeError):
        current.team.code = "B"
    assert current.display_name == "officer1" and current.roles == ["officer"]


def test_a_sync_sees_the_submitter_s_roles_as_they_are_now(login_as, personas):
    """The snapshot is read per request: a role taken away refuses the very next sync."""
    from .factories import overload_record, sync_body

    officer = login_as("officer1")
    assert officer.post("/api/sync", json=sync_body(overload_record())).status_code == 200
    service.update_user(_user("officer1"), {"roles": ["supervisor"]})
    db.session.commit()
    answer = officer.post("/api/sync", json=sync_body(overload_record()))
    assert answer.status_code == 403, answer.get_json()
