"""The app factory: config, extensions, blueprints, error handlers, CLI."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database, errors
from .accounts.session_cookie import RenewingSessionInterface
from .config import Config, load_secret_key
from .database import emit_savepoints_as_text, engine_options, set_write_intent, write_intent
from .extensions import api, db, migrate
from .request_body import DrainUnreadBody

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The feature packages (and modules), lowest layer first; the API docs list them in this order.
# Each one's init_app(app) registers its tables, blueprints, CLI commands and the rows the audit
# log vouches for (server/audit: vouch_for). A new feature is one line here.
FEATURES = (
    "accounts",
    "audit",
    "forms",
    "inspections",
    "evidence",
    "casefile",
    "review",
    "workdays_routes",
    "calendar_years",
    "discretion",
    "cases",
    "documents",
    "archive",
    "export",
    "targets",
    "officers",
    "training",
    "oversight",
    "draws",
    "public",
    "evalreview",
    "simple",
)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app from the environment's settings, with `config` applied on top."""
    app = Flask(__name__, static_folder=None)
    settings = Config()
    overrides = dict(config or {})
    for key in list(overrides):
        if hasattr(settings, key):
            setattr(settings, key, overrides.pop(key))
    app.config.update(settings.flask_mapping())
    app.config.update(overrides)
    app.json.ensure_ascii = False  # zh-CN text readable in JSON answers
    app.session_interface = RenewingSessionInterface()
    storage = Path(app.config["STORAGE_DIR"])
    storage.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(storage)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.logger.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("fieldcase").setLevel(app.config["LOG_LEVEL"])
    app.wsgi_app = DrainUnreadBody(app.wsgi_app, app.config["REFUSED_BODY_DRAIN_MB"] * 1024 * 1024,
                                   app.config["REFUSED_BODY_DRAIN_SECONDS"])
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            emit_savepoints_as_text(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    _register_converters(app)
    api.init_app(app)
    errors.init_app(app)
    _register_features(app)  # first: the loaders below query tables the features declare
    _load_forms(app)
    _load_discretion(app)
    _load_document_types(app)
    _open_evidence_stores(app)
    _register_request_hooks(app)
    return app


def _register_converters(app: Flask) -> None:
    # Ids in paths are bounded like every other integer input (server/schemas.py); the default
    # string converter refuses a NUL, which PostgreSQL cannot compare with. (flask-smorest
    # documents both by their werkzeug base classes: bounds and all.)
    from .schemas import IdConverter, TextConverter

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter


def _load_discretion(app: Flask) -> None:
    """Load and check discretion/ (a bad file or an edited published version stops the app)."""
    from .discretion import service as discretion_service

    discretion_service.init_app(app)


def _load_forms(app: Flask) -> None:
    # A mistake in forms/ or an edited published version stops the start here.
    from .forms import service as forms_service

    forms_service.init_app(app)


def _load_document_types(app: Flask) -> None:
    # A mistake in documents/ stops the start here.
    from .documents import types as document_types

    document_types.init_app(app)


def _open_evidence_stores(app: Flask) -> None:
    # An EVIDENCE_STORE that names no backend stops the start here, not at the first upload.
    from .evidence.storage import build_stores

    app.extensions["evidence_stores"] = build_stores(app)


def _register_features(app: Flask) -> None:
    """Each feature registers its own tables, API, pages, CLI and vouched rows (its init_app)."""
    from .health import blp as health_blp

    api.register_blueprint(health_blp)
    for name in FEATURES:
        import_module(f"{__package__}.{name}").init_app(app)
    from .demo import demo_cli
    from .error_docs import init_api as publish_error_catalog
    from .pwa import bp as pwa_bp

    app.cli.add_command(demo_cli)
    publish_error_catalog(api)
    app.register_blueprint(pwa_bp)  # last: its catch-all path must not shadow the API


def _register_request_hooks(app: Flask) -> None:
    from .accounts import auth
    from .audit.service import client_address_var
    from .audit.witnessing import wake_witness
    from .documents.queue import wake_sealer
    from .export.delivery import wake_delivery
    from .request_body import read_body_first, stop_body_clock

    def _mode() -> str:
        return database.mode_of(app.view_functions.get(request.endpoint), request.method)

    @app.before_request
    def _identify():
        read_body_first()  # before the database: a silent client holds no transaction
        set_write_intent(database.begins_writing(_mode(), request.method))
        client_address_var.set(request.remote_addr)
        auth.load_current_user()
        auth.check_csrf()
        auth.check_access(app.view_functions.get(request.endpoint))

    @app.after_request
    def _commit_and_secure(response):
        # The request owns the single commit: the answer leaves only once the data is durable.
        if database.commits_at_end(_mode(), request.method) and response.status_code < 400:
            database.commit_at_end()
            _checkpoint_if_due()
            if db.session.info.pop("checkpoint_made", False):
                wake_witness(app)  # co-signing happens in the background: nobody waits for it
            if db.session.info.pop("documents_issued", False):
                wake_sealer(app)  # sealing too: an issued document waits in the queue
            wake_delivery(app)  # webhooks too (server/export/delivery.py)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self)")
        if request.path.startswith("/api/") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response

    app.extensions["audit_checkpoint_schedule"] = {"next_check": 0.0}

    def _checkpoint_if_due():
        # Sign the log at least every AUDIT_CHECKPOINT_MINUTES while it grows; never fails a request.
        # Asked in a read transaction, and not again before the next checkpoint can be due, so that
        # a write request does not queue twice for the writer's turn.
        from .audit.checkpoints import checkpoint_due, make_checkpoint

        schedule = app.extensions["audit_checkpoint_schedule"]
        if time.monotonic() < schedule["next_check"]:
            return
        try:
            with write_intent(False):
                due, wait = checkpoint_due()
                database.commit()  # a read step, then (if due) a writer's step
            if due:
                make_checkpoint("interval")
                database.commit()
            schedule["next_check"] = time.monotonic() + wait.total_seconds()
        except Exception:  # noqa: BLE001 - the data is committed; a late checkpoint is harmless
            db.session.rollback()
            app.logger.exception("audit checkpoint failed")

    @app.teardown_request
    def _forget_user(exc):
        g.pop("user", None)
        stop_body_clock()
