"""The provincial export (P-16): a versioned JSON format of events drawn from the audit log,
pulled with cursors by the platform's collector and pushed by signed webhooks (docs/export.md)."""


def init_app(app) -> None:
    """Register the export: tables, API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import export_cli
    from .routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(export_cli)
