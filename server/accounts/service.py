"""Account operations: create and change users and teams, authenticate, open and close sessions.

Each function flushes and writes its audit event; the caller (request or CLI command) commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy.orm import joinedload

from ..audit.service import record_event
from ..clock import utcnow
from ..database import serialize_on
from ..errors import ApiError
from ..extensions import db
from .models import ROLES, LoginFailure, Team, User, UserRole, UserSession
from .snapshots import USER_COLUMNS, TeamSnapshot, UserSnapshot

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(memory_cost=cfg["ARGON2_MEMORY_KIB"], time_cost=cfg["ARGON2_TIME_COST"],
                          parallelism=1)


# A hash to verify against when the user does not exist, so that a wrong username takes as long
# as a wrong password and reveals nothing.
_dummy_hash: str | None = None


def _check_password_strength(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or password.lower() == username.lower():
        raise ApiError("account.weak_password", errors={"password": ["密码至少 10 位，且不能与用户名相同。"]})


def get_team_by_code(code: str) -> Team:
    team = db.session.execute(sa.select(Team).where(Team.code == code)).scalar_one_or_none()
    if team is None:
        raise ApiError("account.team_not_found", errors={"team": [f"中队“{code}”不存在。"]})
    return team


def create_team(code: str, name: str, *, actor=None) -> Team:
    if db.session.execute(sa.select(Team.id).where(Team.code == code)).first():
        raise ApiError("account.team_exists")
    team = Team(code=code, name=name, created_at=utcnow())
    db.session.add(team)
    db.session.flush()
    record_event("team.created", actor=actor, object_type="team", object_id=team.id,
                 details={"code": code, "name": name})
    return team


def list_teams() -> list[Team]:
    return list(db.session.execute(sa.select(Team).order_by(Team.code)).scalars())


def get_user_by_username(username: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(User.username == username.strip().lower())).scalar_one_or_none()


def list_users() -> list[User]:
    return list(db.session.execute(sa.select(User).order_by(User.username)).scalars())


def user_summary(user: User) -> dict:
    """What the audit log keeps of an account's state (never the password hash)."""
    return {
        "username": user.username, "display_name": user.display_name, "roles": user.roles,
        "team": user.team.code if user.team else None,
        "certificate_number": user.certificate_number,
        "certificate_valid_from": user.certificate_valid_from.isoformat() if user.certificate_valid_from else None,
        "certificate_valid_until": user.certificate_valid_until.isoformat() if user.certificate_valid_until else None,
        "active": user.is_active,
    }


def create_user(username: str, password: str, *, display_name: str | None = None,
                roles: list[str] = ("officer",), team_code: str | None = None,
                certificate_number: str | None = None, certificate_valid_from: date | None = None,
                certificate_valid_until: date | None = None, actor=None) -> User:
    username = username.strip().lower()
    _check_password_strength(username, password)
    if get_user_by_username(username) is not None:
        raise ApiError("account.username_taken", errors={"username": ["该用户名已被使用。"]})
    now = utcnow()
    user = User(username=username, display_name=display_name or username,
                password_hash=_hasher().hash(password),
                team=get_team_by_code(team_code) if team_code else None,
                certificate_number=certificate_number,
                certificate_valid_from=certificate_valid_from,
                certificate_valid_until=certificate_valid_until,
                created_at=now, updated_at=now)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record_event("user.created", actor=actor, object_type="user", object_id=user.id,
                 details=user_summary(user))
    return user


def update_user(user: User, changes: dict, *, actor=None) -> User:
    """Change display name, roles, team or active state; audited with before and after."""
    before = user_summary(user)
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "roles" in changes:
        wanted = set(changes["roles"])
        assert wanted <= set(ROLES)
        user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - set(user.roles))]
    if "team" in changes:
        user.team = get_team_by_code(changes["team"]) if changes["team"] else None
    if "active" in changes and changes["active"] != user.is_active:
        if changes["active"]:
            user.disabled_at = None
        else:
            user.disabled_at = utcnow()
            revoke_user_sessions(user)
    user.updated_at = utcnow()
    db.session.flush()
    after = user_summary(user)
    if after != before:
        record_event("user.updated", actor=actor, object_type="user", object_id=user.id,
                     details={"before": before, "after": after})
    return user


def set_password(user: User, password: str, *, actor=None) -> None:
    _check_password_strength(user.username, password)
    user.password_hash = _hasher().hash(password)
    user.updated_at = utcnow()
    revoke_user_sessions(user)
    db.session.flush()
    record_event("user.password_set", actor=actor, object_type="user", object_id=user.id,
                 details={"username": user.username})


# --- authentication and throttling -------------------------------------------------------------

def _recent_failures(column, value) -> tuple[int, object]:
    window_start = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    count, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.failed_at))
        .where(column == value, LoginFailure.failed_at >= window_start)).one()
    return count, last


def _retry_after() -> dict:
    return {"Retry-After": str(current_app.config["LOGIN_LOCKOUT_MINUTES"] * 60)}


def _check_account_lock(username: str) -> None:
    count, _ = _recent_failures(LoginFailure.username, username)
    if count >= current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        raise ApiError("auth.account_locked", headers=_retry_after())


def _address_throttled(address: str) -> bool:
    count, _ = _recent_failures(LoginFailure.client_address, address)
    return count >= current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def authenticate(username: str, password: str, address: str) -> User | ApiError:
    """The user whose password this is, or the ApiError to answer with.

    Guessing is limited per account: after LOGIN_MAX_FAILURES_PER_ACCOUNT failures the account
    is locked for a while, whatever the address. The limit per address (many accounts guessed
    from one place) acts on failed attempts only: from an address over it, a wrong password is
    answered 429 and counted, but a correct one is never refused, so one careless user behind a
    bureau's NAT address cannot lock out the colleagues who share it.

    A failure is recorded (and its audit event written) in the current transaction, which the
    caller commits even though the request fails.
    """
    global _dummy_hash
    username = username.strip().lower()
    # Guesses for one account sent at once each count the failures recorded before them: one
    # at a time, so that no more than the limit are tried (held while the password is checked).
    serialize_on("login_account", username)
    try:
        _check_account_lock(username)
    except ApiError as refused:
        record_event("auth.login_refused", object_type="user", actor_username=username,
                     details={"username": username, "reason": refused.code})
        return refused
    user = get_user_by_username(username)
    hasher = _hasher()
    try:
        if user is None:
            _dummy_hash = _dummy_hash or hasher.hash(secrets.token_hex(16))
            hasher.verify(_dummy_hash, password)
            raise VerifyMismatchError
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        throttled = _address_throttled(address)
        failure = _record_failure(username, address, user)
        return ApiError("auth.address_throttled", headers=_retry_after()) if throttled else failure
    if not user.is_active:
        record_event("auth.login_refused", actor=user, object_type="user", object_id=user.id,
                     details={"username": username, "reason": "auth.account_disabled"})
        return ApiError("auth.account_disabled")
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _record_failure(username: str, address: str, user: User | None) -> ApiError:
    db.session.add(LoginFailure(username=username, client_address=address, failed_at=utcnow()))
    db.session.flush()
    record_event("auth.login_failed", object_type="user", object_id=user.id if user else None,
                 actor_username=username, details={"username": username, "known_user": user is not None})
    count, _ = _recent_failures(LoginFailure.username, username)
    if count == current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        record_event("auth.account_locked", object_type="user", object_id=user.id if user else None,
                     actor_username=username,
                     details={"username": username, "failures": count,
                              "minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"]})
    return ApiError("auth.invalid_credentials")


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, address: str | None, user_agent: str | None) -> str:
    """Start a login session; returns the secret token the cookie carries."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(
        id=_token_id(token), user_id=user.id, created_at=now,
        expires_at=now + timedelta(days=current_app.config["SESSION_MAX_DAYS"]),
        client_address=address, user_agent=(user_agent or "")[:255]))
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == user.username))
    record_event("auth.login", actor=user, object_type="user", object_id=user.id,
                 details={"username": user.username})
    return token


def session_user(token: str) -> User | None:
    """The active user of a live session token, else None."""
    # One query for the session, its user, team and roles (asked on every request), not one each.
    return db.session.execute(_session_user(), {"token_id": _token_id(token), "now": utcnow()}
                              ).unique().scalar_one_or_none()


def session_user_and_named(token: str, names: set[str]) -> tuple[UserSnapshot | None,
                                                                 dict[str, UserSnapshot]]:
    """The active user of a live session token, and the users named `names` (any state, by
    username), in one query, as read-only UserSnapshots: a view that will look users up (the
    officers of a sync batch) gets them with the session's, without loading ORM objects."""
    # On the session's connection, past the ORM's execution (nothing here is an ORM entity).
    rows = db.session.connection().execute(_session_and_named(), {
        "token_id": _token_id(token), "now": utcnow(), "names": sorted(names)}).all()
    found: dict[int, tuple] = {}  # user id -> (its first row, its roles): a row per role
    current = None
    for row in rows:
        if row.id not in found:
            found[row.id] = (row, set())
            if row.is_session and row.disabled_at is None:
                current = row.id
        if row.role is not None:
            found[row.id][1].add(row.role)
    width = len(USER_COLUMNS)  # the query selects them first, in their order
    snapshots = {user_id: UserSnapshot(
        *row[:width], None if row.team_id is None else TeamSnapshot(row.team_id, row.team_code, row.team_name),
        frozenset(roles)) for user_id, (row, roles) in found.items()}
    return snapshots.get(current), {user.username: user for user in snapshots.values() if user.username in names}


_STATEMENTS: dict[str, sa.Select] = {}


def _session_user() -> sa.Select:
    """session_user's query, built once (it runs on every request but syncs: building it and its
    cache key cost about a third of its CPU)."""
    if "session_user" not in _STATEMENTS:
        _STATEMENTS["session_user"] = (
            sa.select(User).join(UserSession, UserSession.user_id == User.id)
            .options(joinedload(User.role_rows))
            .where(UserSession.id == sa.bindparam("token_id"), UserSession.revoked_at.is_(None),
                   UserSession.expires_at > sa.bindparam("now", type_=UserSession.expires_at.type),
                   User.disabled_at.is_(None)))
    return _STATEMENTS["session_user"]


def _session_and_named() -> sa.Select:
    """session_user_and_named's query, built once (it runs on every sync)."""
    if "session_and_named" not in _STATEMENTS:
        live = (sa.select(UserSession.user_id)
                .where(UserSession.id == sa.bindparam("token_id"), UserSession.revoked_at.is_(None),
                       UserSession.expires_at > sa.bindparam("now", type_=UserSession.expires_at.type))
                .scalar_subquery())
        users, teams, roles = User.__table__, Team.__table__, UserRole.__table__
        _STATEMENTS["session_and_named"] = (
            sa.select(*(users.c[name] for name in USER_COLUMNS), teams.c.code.label("team_code"),
                      teams.c.name.label("team_name"), roles.c.role, (users.c.id == live).label("is_session"))
            .select_from(users.outerjoin(teams, teams.c.id == users.c.team_id)
                         .outerjoin(roles, roles.c.user_id == users.c.id))
            .where(sa.or_(sa.and_(users.c.id == live, users.c.disabled_at.is_(None)),
                          users.c.username.in_(sa.bindparam("names", expanding=True)))))
    return _STATEMENTS["session_and_named"]


def close_session(token: str, user: User) -> None:
    row = db.session.get(UserSession, _token_id(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    record_event("auth.logout", actor=user, object_type="user", object_id=user.id,
                 details={"username": user.username})


def revoke_user_sessions(user: User) -> None:
    db.session.execute(sa.update(UserSession)
                       .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
