"""Random inspection plans (抽查计划), their verifiable draw and the tasks it gives.

Imports nothing heavy: `python -m server.verify_draw` loads algorithm.py alone.
"""


def init_app(app) -> None:
    """Register random plans: tables, API, pages, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .pages import bp as pages_bp
    from .routes import blp
    from .vouched import PLANS, TASKS

    api.register_blueprint(blp)
    app.register_blueprint(pages_bp)
    vouch_for(app, PLANS, TASKS)
