"""Log in and out, who am I, colleagues, and the admin's account management API."""
from __future__ import annotations

from flask import g

from ..database import commit_then_raise
from ..errors import ApiError
from ..extensions import db
from ..officers.current import adopt_certificate_columns, set_current_certificate
from ..schemas import Blueprint
from . import auth, service
from .models import User
from .schemas import (
    CertificateInSchema,
    LoginSchema,
    MeSchema,
    OfficerSchema,
    PasswordSchema,
    SessionSchema,
    TeamCreateSchema,
    TeamOutSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("accounts", __name__, url_prefix="/api", description="Accounts and sessions")


@blp.route("/session", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def login(data):
    """Log in: sets the session cookie and returns the CSRF token for X-CSRF-Token."""
    result = service.authenticate(data["username"], data["password"], auth.client_address())
    if isinstance(result, ApiError):
        commit_then_raise(result)  # the failed attempt and its audit entry are kept
    csrf = auth.begin_session(result)
    return {"user": result, "csrf_token": csrf}


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
@auth.login_required
def logout():
    """Log out: the session is revoked on the server and the cookie cleared."""
    auth.end_session()


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@auth.login_required
def me():
    """The logged-in user: roles, team, certificate state, and the session's CSRF token."""
    return g.user


@blp.route("/officers", methods=["GET"])
@blp.response(200, OfficerSchema(many=True))
@auth.login_required
def list_officers():
    """Active officers of every team, to pick co-officers (cached offline by the app)."""
    return [u for u in service.list_users() if u.is_active and u.has_role("officer")]


# --- admin ----------------------------------------------------------------------------------------

def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError("request.not_found")
    return user


@blp.route("/users", methods=["GET"])
@blp.response(200, UserSchema(many=True))
@auth.roles_required("admin")
def list_users():
    """All accounts (admin)."""
    return service.list_users()


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@auth.roles_required("admin")
def create_user(data):
    """Create an account (admin); a certificate given is kept in the certificate history."""
    cert = data.get("certificate") or {}
    user = service.create_user(
        data["username"], data["password"], display_name=data.get("display_name"),
        roles=data["roles"], team_code=data.get("team"),
        certificate_number=cert.get("number"), certificate_valid_from=cert.get("valid_from"),
        certificate_valid_until=cert.get("valid_until"), actor=g.user)
    adopt_certificate_columns(user, actor=g.user)  # into the history, as PUT …/certificate does
    return user


@blp.route("/users/<id:user_id>", methods=["GET"])
@blp.response(200, UserSchema)
@auth.roles_required("admin")
def get_user(user_id):
    """One account (admin)."""
    return _user_or_404(user_id)


@blp.route("/users/<id:user_id>", methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@auth.roles_required("admin")
def update_user(data, user_id):
    """Change display name, roles, team, or disable/enable an account (admin)."""
    user = _user_or_404(user_id)
    if user.id == g.user.id and (data.get("active") is False or
                                 ("roles" in data and "admin" not in data["roles"])):
        raise ApiError("auth.forbidden", "不能停用自己的账号或取消自己的管理员角色。")
    return service.update_user(user, data, actor=g.user)


@blp.route("/users/<id:user_id>/password", methods=["PUT"])
@blp.arguments(PasswordSchema)
@blp.response(204)
@auth.roles_required("admin")
def set_password(data, user_id):
    """Set an account's password; its sessions are logged out (admin)."""
    service.set_password(_user_or_404(user_id), data["password"], actor=g.user)


@blp.route("/users/<id:user_id>/certificate", methods=["PUT"])
@blp.arguments(CertificateInSchema)
@blp.response(200, UserSchema)
@auth.roles_required("admin")
def set_certificate(data, user_id):
    """Record an officer's enforcement certificate (执法证) number and validity (admin), in the
    certificate history the officers' directory keeps (a new number is a renewal; null revokes)."""
    user = _user_or_404(user_id)
    set_current_certificate(user, data["number"], data["valid_from"], data["valid_until"], actor=g.user)
    return user


@blp.route("/teams", methods=["GET"])
@blp.response(200, TeamOutSchema(many=True))
@auth.login_required
def list_teams():
    """Teams (执法中队)."""
    return service.list_teams()


@blp.route("/teams", methods=["POST"])
@blp.arguments(TeamCreateSchema)
@blp.response(201, TeamOutSchema)
@auth.roles_required("admin")
def create_team(data):
    """Create a team (admin)."""
    return service.create_team(data["code"], data["name"], actor=g.user)
