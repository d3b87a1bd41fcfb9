"""案卷评查 (case-file quality review): the quarterly sample, the checklist, scores and problems."""


def init_app(app) -> None:
    """Register case-file review: tables, API, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .routes import blp
    from .vouched import PROBLEMS, SAMPLES, SCORES

    api.register_blueprint(blp)
    vouch_for(app, SAMPLES, SCORES, PROBLEMS)
