"""Officers' training (三年轮训): courses, class hours, dates and certificates of completion."""


def init_app(app) -> None:
    """Register training: tables, API, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .routes import blp
    from .vouched import TRAINING_RECORDS

    api.register_blueprint(blp)
    vouch_for(app, TRAINING_RECORDS)
