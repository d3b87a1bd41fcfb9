"""Public pages without login (一公开): plans with their seed commitment, the draw, results."""


def init_app(app) -> None:
    """Register the public pages: API, pages."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from .routes import blp, bp

    api.register_blueprint(blp)
    app.register_blueprint(bp)
