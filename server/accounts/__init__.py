"""Accounts: users, roles, teams, enforcement certificates, login sessions and CSRF."""


def init_app(app) -> None:
    """Register accounts: tables, API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import teams_cli, users_cli
    from .routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(users_cli)
    app.cli.add_command(teams_cli)
