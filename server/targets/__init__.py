"""The directory of inspection targets (检查对象名录库): businesses, vehicles and ships, their credit
class with its history, the supervision items that apply, CSV/XLSX import, and each target's
inspection history (防止执法扰民)."""


def init_app(app) -> None:
    """Register targets: tables, API, pages, CLI, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import targets_cli
    from .pages import bp as pages_bp
    from .routes import blp
    from .vouched import INSPECTION_TARGETS, TARGET_CREDIT_CLASSES, TARGETS

    api.register_blueprint(blp)
    app.register_blueprint(pages_bp)
    app.cli.add_command(targets_cli)
    vouch_for(app, TARGETS, TARGET_CREDIT_CLASSES, INSPECTION_TARGETS)
