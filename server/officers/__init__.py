"""The directory of inspecting officers (执法检查人员名录库): certificates with their history and
the law-enforcement domains they cover, availability, and declared conflicts of interest."""


def init_app(app) -> None:
    """Register officers: tables, API, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .routes import blp
    from .vouched import CERTIFICATES, CONFLICTS

    api.register_blueprint(blp)
    vouch_for(app, CERTIFICATES, CONFLICTS)
