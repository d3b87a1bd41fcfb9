"""Logging in as the PWA does: POST /api/session, then the CSRF token it answers on every write.
One helper for a real server (requests) and one for the Flask test client; and ending a login
in the database, as another worker or an admin would."""
from __future__ import annotations

from datetime import timedelta

import requests

from . import PASSWORD


def login_session(base_url: str, username: str, password: str = PASSWORD, *, timeout: float = 60,
                  session: requests.Session | None = None) -> requests.Session:
    """A requests.Session logged in on the server at `base_url`, sending its CSRF token."""
    s = session or requests.Session()
    r = s.post(base_url + "/api/session", json={"username": username, "password": password}, timeout=timeout)
    if r.status_code != 200:
        raise AssertionError(f"login as {username}: {r.status_code} {r.text[:500]}")
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def login_test_client(client, username: str, password: str = PASSWORD) -> str:
    """Log a Flask test client in; returns the CSRF token to send on writes."""
    response = client.post("/api/session", json={"username": username, "password": password})
    if response.status_code != 200:
        raise AssertionError(f"login as {username}: {response.status_code} {response.get_json()}")
    return response.get_json()["csrf_token"]


def end_in_database(how: str, username: str) -> None:
    """End `username`'s sessions in the database behind the app's back, `how`: "revoked" (a logout
    or an admin elsewhere), "expired" (past its end) or "disabled" (the account); committed."""
    import sqlalchemy as sa

    from server.accounts.models import User, UserSession
    from server.clock import utcnow
    from server.extensions import db

    past = utcnow() - timedelta(seconds=1)
    if how == "disabled":
        change = sa.update(User).where(User.username == username).values(disabled_at=past)
    else:
        column = {"revoked": UserSession.revoked_at, "expired": UserSession.expires_at}[how]
        user_id = sa.select(User.id).where(User.username == username).scalar_subquery()
        change = sa.update(UserSession).where(UserSession.user_id == user_id).values({column: past})
    db.session.execute(change)
    db.session.commit()
