"""Supervisor and legal review of inspection records, and the printed record (现场检查笔录)."""


def init_app(app) -> None:
    """Register review: tables, API, pages, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .pages import bp as pages_bp
    from .routes import blp
    from .vouched import REVIEW_ACTIONS

    api.register_blueprint(blp)
    app.register_blueprint(pages_bp)
    vouch_for(app, REVIEW_ACTIONS)
