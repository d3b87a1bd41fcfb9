"""Dispositions of findings and the general-procedure penalty case (一般程序)."""


def init_app(app) -> None:
    """Register cases: tables, API, pages, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import case_models, models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .archiving import archive_closed_cases
    from .pages import bp as pages_bp
    from .routes import blp
    from .vouched import KINDS

    api.register_blueprint(blp)
    app.register_blueprint(pages_bp)
    vouch_for(app, *KINDS)
    # After each pass of the sealer: closed cases whose documents are sealed get their archive.
    app.extensions.setdefault("after_sealing", []).append(archive_closed_cases)
