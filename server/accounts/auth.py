"""Who is asking: the session cookie, the CSRF check and the role guards used by every view.

The cookie (Flask's signed session, HttpOnly, SameSite=Lax) carries a session token and the CSRF
token. Its signature expires after the idle lifetime, and requests renew it (sliding, at most once
a minute: session_cookie.py); the server-side row gives the absolute lifetime and lets logout and
disabling revoke it.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import current_app, g, request, session

from ..database import SAFE_METHODS
from ..errors import ApiError
from . import service
from .models import User

CSRF_HEADER = "X-CSRF-Token"


def client_address() -> str:
    return request.remote_addr or "unknown"


def load_current_user() -> None:
    """Before each request: g.user is the logged-in user or None; g.named_users, the users the
    view's body names (`names_users`), loaded with it in one query. When such a view's body
    names users, both are read-only UserSnapshots (server/accounts/snapshots.py), not ORM objects."""
    g.user, g.named_users = None, {}
    token = session.get("token")
    if token:
        peek = getattr(current_app.view_functions.get(request.endpoint), "names_users", None)
        names = peek() if peek is not None else None
        if names:
            g.user, g.named_users = service.session_user_and_named(token, names)
        else:
            g.user = service.session_user(token)
        if g.user is None:
            session.clear()
            g.named_users = {}


def names_users(peek):
    """Declare that a view will look up the users its request names: `peek()` returns their
    usernames (a set, or None when it cannot tell), read before the view runs, so that they are
    loaded with the session's user (g.named_users). The view then gets g.user and g.named_users as
    read-only UserSnapshots: it must not change them (load the User to change one)."""
    def declare(view):
        view.names_users = peek
        return view
    return declare


def begin_session(user: User) -> str:
    """Log the user in: a fresh session (never reuse one from before login); returns the CSRF token."""
    session.clear()
    session.permanent = True
    session["token"] = service.open_session(user, client_address(), request.user_agent.string)
    session["csrf"] = secrets.token_urlsafe(32)
    g.user = user
    return session["csrf"]


def end_session() -> None:
    if g.user is not None and session.get("token"):
        service.close_session(session["token"], g.user)
    session.clear()


def csrf_token() -> str | None:
    return session.get("csrf")


def check_csrf() -> None:
    """State-changing requests of a logged-in session must echo the session's CSRF token."""
    if request.method in SAFE_METHODS or g.user is None:
        return
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise ApiError("auth.csrf_failed")


def current_user() -> User:
    if g.get("user") is None:
        raise ApiError("auth.required")
    return g.user


def _require(roles: tuple[str, ...]) -> None:
    """A logged-in user, holding one of `roles` if any are named."""
    user = current_user()
    if roles and not user.has_role(*roles):
        raise ApiError("auth.forbidden")


def login_required(view):
    """Any logged-in user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        _require(())
        return view(*args, **kwargs)
    wrapper.access_rule = ()
    return wrapper


def roles_required(*roles: str):
    """A logged-in user holding at least one of `roles`."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            _require(roles)
            return view(*args, **kwargs)
        wrapper.access_rule = roles
        return wrapper
    return decorator


def check_access(view) -> None:
    """Before a request's body or query is read, the rule of the view's login_required or
    roles_required (which `wraps` carries out to the routed function), so that a caller with no
    business there gets 401/403, never a validation answer about what it sent."""
    rule = getattr(view, "access_rule", None)
    if rule is not None:
        _require(rule)
