"""Evidence: tus uploads, the content-addressed store, media facts (Pillow), serving.

The feature's error codes (`upload.*`, `evidence.*`) are in the catalog, server/errors.py.
"""


def init_app(app) -> None:
    """Register evidence: tables, API, CLI, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import add_audit_check, vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import evidence_cli
    from .integrity import verify_evidence_files
    from .routes import blp
    from .upload_routes import blp as uploads_blp
    from .vouched import EVIDENCE_FILES

    api.register_blueprint(uploads_blp)
    api.register_blueprint(blp)
    app.cli.add_command(evidence_cli)
    vouch_for(app, EVIDENCE_FILES)
    add_audit_check(app, verify_evidence_files)  # `audit verify` re-hashes the store's files
