"""Discretion benchmarks (裁量基准) as versioned data, the no-penalty list, and the penalty
calculator (loader, service, calculator, routes)."""


def init_app(app) -> None:
    """Register discretion: API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from .cli import discretion_cli
    from .routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(discretion_cli)
