"""Who may pull: the platform's collectors, each with a bearer token (`flask export client-add`),
and administrators logged in to FieldCase. A token is stored as its SHA-256 only."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps

import sqlalchemy as sa
from flask import g, request

from ..accounts import auth
from ..audit.service import record_event
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from .models import ExportClient

TOKEN_PREFIX = "fcx_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_client(name: str) -> tuple[ExportClient, str]:
    """A new collector and its token (shown once: only its hash is kept)."""
    if db.session.execute(sa.select(ExportClient.id).where(ExportClient.name == name)).first():
        raise ApiError("export.client_exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ExportClient(name=name, token_sha256=_digest(token), created_at=utcnow())
    db.session.add(client)
    db.session.flush()
    record_event("export.client_added", actor_username="cli", object_type="export_client",
                 object_id=client.id, details={"name": name})
    return client, token


def revoke_client(name: str) -> ExportClient:
    client = db.session.execute(sa.select(ExportClient).where(ExportClient.name == name)).scalar()
    if client is None:
        raise ApiError("export.client_not_found")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        db.session.flush()
        record_event("export.client_revoked", actor_username="cli", object_type="export_client",
                     object_id=client.id, details={"name": name})
    return client


def client_for_token(token: str) -> ExportClient | None:
    client = db.session.execute(sa.select(ExportClient).where(
        ExportClient.token_sha256 == _digest(token))).scalar()
    if client is None or client.revoked_at is not None:
        return None
    # The lookup is by hash; compare again in constant time all the same.
    return client if hmac.compare_digest(client.token_sha256, _digest(token)) else None


def collector_or_admin(view):
    """A collector with a valid `Authorization: Bearer` token, or a logged-in administrator."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            g.export_client = client_for_token(header[7:].strip())
            if g.export_client is None:
                raise ApiError("export.token_invalid", headers={"WWW-Authenticate": "Bearer"})
        elif not auth.current_user().has_role("admin"):
            raise ApiError("auth.forbidden")
        return view(*args, **kwargs)
    return wrapper
