"""Liveness and readiness probes for the process supervisor and the reverse proxy."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from marshmallow import Schema, fields

from .errors import ApiError
from .extensions import db
from .schemas import Blueprint

blp = Blueprint("health", __name__, description="Health probes (no login needed)")


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
def healthz():
    """The process is up."""
    return {"status": "ok", "checks": {}}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, HealthSchema)
def readyz():
    """The database answers and the storage folder is writable."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.warning("readyz: database: %s", exc)
        checks["database"] = "unreachable"
    storage = Path(current_app.config["STORAGE_DIR"])
    try:
        with tempfile.NamedTemporaryFile(dir=storage, prefix=".readyz-") as f:
            f.write(b"ok")
            f.flush()
            os.fsync(f.fileno())
        checks["storage"] = "ok"
    except OSError as exc:
        current_app.logger.warning("readyz: storage: %s", exc)
        checks["storage"] = "not writable"
    if any(v != "ok" for v in checks.values()):
        raise ApiError("server.unavailable", errors=checks)
    return {"status": "ok", "checks": checks}
