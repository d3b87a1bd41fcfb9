"""Liveness and readiness probes for the process supervisor and the reverse proxy."""
from __future__ import annotations

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
        # A new file written and removed proves the folder takes files (not read-only, not full,
        # still ours). No fsync: a probe every few seconds would force a journal commit each time,
        # and under a busy disk that alone took 0.8 s, close to a prober's 1 s timeout, while the
        # app itself was fine. Evidence and the database fsync their own writes where it matters.
        with tempfile.NamedTemporaryFile(dir=storage, prefix=".readyz-") as f:
            f.write(b"ok")
            f.flush()
        checks["storage"] = "ok"
    except OSError as exc:
        current_app.logger.warning("readyz: storage: %s", exc)
        checks["storage"] = "not writable"
    if any(v != "ok" for v in checks.values()):
        raise ApiError("server.unavailable", errors=checks)
    return {"status": "ok", "checks": checks}
