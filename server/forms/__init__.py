"""Inspection forms: loading and checking forms/, JSON Logic, answer validation, supervision items.

Knows nothing of inspections: the sync service calls `service.get_form_version` and
`validation.validate_answers`.
"""


def init_app(app) -> None:
    """Register forms: tables, API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import forms_cli
    from .routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(forms_cli)
