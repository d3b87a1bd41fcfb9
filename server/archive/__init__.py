"""The electronic archive (电子档案): archive and transfer packages built on the case-file export."""


def init_app(app) -> None:
    """Register the archive: tables, API, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .routes import blp
    from .vouched import ARCHIVES

    api.register_blueprint(blp)
    vouch_for(app, ARCHIVES)
