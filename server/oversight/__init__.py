"""Oversight: the bureau's figures, their exports, the dashboard's API and early warnings (预警)."""


def init_app(app) -> None:
    """Register oversight: tables, API, pages, CLI, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import oversight_cli
    from .pages import bp as pages_bp
    from .routes import blp
    from .vouched import WARNINGS

    api.register_blueprint(blp)
    app.register_blueprint(pages_bp)
    app.cli.add_command(oversight_cli)
    vouch_for(app, WARNINGS)
