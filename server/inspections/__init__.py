"""Inspection records: offline sync with idempotency keys, states, revisions and access rules."""


def init_app(app) -> None:
    """Register inspections: tables, API, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .routes import blp
    from .vouched import EVIDENCE, INSPECTIONS

    api.register_blueprint(blp)
    vouch_for(app, INSPECTIONS, EVIDENCE)
