"""Enforcement documents (执法文书): types as data, numbering, PDF/A layout, electronic seals."""


def init_app(app) -> None:
    """Register documents: tables, API, CLI, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import documents_cli
    from .routes import blp
    from .vouched import DOCUMENTS

    api.register_blueprint(blp)
    app.cli.add_command(documents_cli)
    vouch_for(app, DOCUMENTS)
