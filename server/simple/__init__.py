"""The simple procedure on the spot (简易程序, 《行政处罚法》第五十一条): blocks of document numbers
reserved for a phone, on-the-spot decisions synced from it, and what they become on the server
(a confirmed `simple` disposition, an issued and sealed 当场行政处罚决定书)."""


def init_app(app) -> None:
    """Register the simple procedure: tables, API, CLI, the rows the audit log vouches for."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..audit import vouch_for
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import simple_cli
    from .routes import blp
    from .vouched import KINDS

    api.register_blueprint(blp)
    app.cli.add_command(simple_cli)
    vouch_for(app, *KINDS)
