"""The app factory: config, extensions, blueprints, error handlers, CLI."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database, errors
from .config import Config, load_secret_key
from .database import engine_options, set_write_intent, write_intent
from .extensions import api, db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

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
    storage = Path(app.config["STORAGE_DIR"])
    storage.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(storage)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.logger.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("fieldcase").setLevel(app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    _register_converters(app)
    api.init_app(app)
    errors.init_app(app)
    _register_models()
    _load_forms(app)
    _load_discretion(app)
    _load_document_types(app)
    _open_evidence_stores(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_cli(app)
    return app


def _register_converters(app: Flask) -> None:
    # Ids in paths are bounded like every other integer input (server/schemas.py); the default
    # string converter refuses a NUL, which PostgreSQL cannot compare with. (flask-smorest
    # documents both by their werkzeug base classes: bounds and all.)
    from .schemas import IdConverter, TextConverter

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter


def _register_models() -> None:
    # Imported for their side effect: the tables are known to SQLAlchemy and Alembic.
    from .accounts import models as _accounts  # noqa: F401
    from .archive import models as _archive  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .cases import case_models as _case_models  # noqa: F401
    from .cases import models as _cases  # noqa: F401
    from .documents import models as _documents  # noqa: F401
    from .draws import models as _draws  # noqa: F401
    from .evidence import models as _evidence  # noqa: F401
    from .export import models as _export  # noqa: F401
    from .forms import models as _forms  # noqa: F401
    from .inspections import models as _inspections  # noqa: F401
    from .officers import models as _officers  # noqa: F401
    from .oversight import models as _oversight  # noqa: F401
    from .review import models as _review  # noqa: F401
    from .simple import models as _simple  # noqa: F401
    from .targets import models as _targets  # noqa: F401
    from .training import models as _training  # noqa: F401


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
    from .cases.archiving import archive_closed_cases
    from .documents import types as document_types

    document_types.init_app(app)
    # After each pass of the sealer: closed cases whose documents are sealed get their archive.
    app.extensions["after_sealing"] = [archive_closed_cases]


def _open_evidence_stores(app: Flask) -> None:
    # An EVIDENCE_STORE that names no backend stops the start here, not at the first upload.
    from .evidence.storage import build_stores

    app.extensions["evidence_stores"] = build_stores(app)


def _register_blueprints(app: Flask) -> None:
    from .accounts.routes import blp as accounts_blp
    from .archive.routes import blp as archive_blp
    from .audit.routes import blp as audit_blp
    from .casefile.routes import blp as casefile_blp
    from .cases.routes import blp as cases_blp
    from .discretion.routes import blp as discretion_blp
    from .documents.routes import blp as documents_blp
    from .draws.routes import blp as draws_blp
    from .evalreview.routes import blp as evalreview_blp
    from .evidence.routes import blp as evidence_blp
    from .evidence.upload_routes import blp as uploads_blp
    from .export.routes import blp as export_blp
    from .forms.routes import blp as forms_blp
    from .health import blp as health_blp
    from .inspections.routes import blp as inspections_blp
    from .officers.routes import blp as officers_blp
    from .oversight.routes import blp as oversight_blp
    from .public.routes import blp as public_blp
    from .review.routes import blp as review_blp
    from .simple.routes import blp as simple_blp
    from .targets.routes import blp as targets_blp
    from .training.routes import blp as training_blp
    from .workdays_routes import blp as calendar_blp
    from .workdays_routes import init_app as init_calendar_errors

    for blp in (health_blp, accounts_blp, audit_blp, forms_blp, inspections_blp, uploads_blp,
                evidence_blp, casefile_blp, review_blp, calendar_blp, discretion_blp, cases_blp,
                documents_blp, archive_blp, export_blp, targets_blp, officers_blp, training_blp,
                oversight_blp, draws_blp, public_blp, evalreview_blp, simple_blp):
        api.register_blueprint(blp)
    init_calendar_errors(app)
    from .error_docs import init_api as publish_error_catalog

    publish_error_catalog(api)
    from .cases.pages import bp as cases_pages_bp
    from .draws.pages import bp as plans_pages_bp
    from .oversight.pages import bp as oversight_pages_bp
    from .public.routes import bp as public_pages_bp
    from .pwa import bp as pwa_bp
    from .review.pages import bp as review_pages_bp
    from .targets.pages import bp as targets_pages_bp

    app.register_blueprint(review_pages_bp)
    app.register_blueprint(cases_pages_bp)
    app.register_blueprint(targets_pages_bp)
    app.register_blueprint(oversight_pages_bp)
    app.register_blueprint(public_pages_bp)
    app.register_blueprint(plans_pages_bp)
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
            database.commit()
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


def _register_cli(app: Flask) -> None:
    from .accounts.cli import teams_cli, users_cli
    from .archive.vouched import ARCHIVES
    from .audit.cli import audit_cli
    from .audit.witness_verify import verify_witnessing
    from .casefile.cli import casefile_cli
    from .cases.vouched import KINDS as CASE_KINDS
    from .demo import demo_cli
    from .discretion.cli import discretion_cli
    from .documents.cli import documents_cli
    from .documents.vouched import DOCUMENTS
    from .draws.vouched import PLANS, TASKS
    from .evalreview.vouched import PROBLEMS, SAMPLES, SCORES
    from .evidence.cli import evidence_cli
    from .evidence.integrity import verify_evidence_files
    from .evidence.vouched import EVIDENCE_FILES
    from .export.cli import export_cli
    from .forms.cli import forms_cli
    from .inspections.vouched import EVIDENCE, INSPECTIONS
    from .officers.vouched import CERTIFICATES, CONFLICTS
    from .oversight.cli import oversight_cli
    from .oversight.vouched import WARNINGS
    from .review.vouched import REVIEW_ACTIONS
    from .simple.cli import simple_cli
    from .simple.vouched import KINDS as SIMPLE_KINDS
    from .targets.cli import targets_cli
    from .targets.vouched import INSPECTION_TARGETS, TARGET_CREDIT_CLASSES, TARGETS
    from .training.vouched import TRAINING_RECORDS

    # `audit verify` also re-hashes the evidence store (audit itself knows nothing of evidence),
    # asks the witness what it co-signed, and checks every row whose content the log vouches for
    # against it (audit/vouched.py).
    app.extensions["audit_checks"] = [verify_evidence_files, verify_witnessing]
    app.extensions["audit_vouched"] = [INSPECTIONS, EVIDENCE, EVIDENCE_FILES,
                                       REVIEW_ACTIONS, *CASE_KINDS, DOCUMENTS, ARCHIVES, TARGETS,
                                       TARGET_CREDIT_CLASSES, INSPECTION_TARGETS, CERTIFICATES,
                                       CONFLICTS, TRAINING_RECORDS, WARNINGS, PLANS, TASKS,
                                       SAMPLES, SCORES, PROBLEMS, *SIMPLE_KINDS]
    for group in (users_cli, teams_cli, demo_cli, forms_cli, audit_cli, evidence_cli, casefile_cli,
                  discretion_cli, documents_cli, export_cli, targets_cli, oversight_cli, simple_cli):
        app.cli.add_command(group)
