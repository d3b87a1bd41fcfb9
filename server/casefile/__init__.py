"""Case files (一案一卷): an inspection's evidence trail, its export as a verifiable ZIP.

The feature's error codes are in the catalog, server/errors.py. (The standalone verifier,
`server/verify_case.py`, lives outside this package so that it imports neither Flask nor the app.)
"""


def init_app(app) -> None:
    """Register case files: API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from .cli import casefile_cli
    from .routes import blp

    api.register_blueprint(blp)
    app.cli.add_command(casefile_cli)
