"""FieldCase: a field-inspection system for transport law enforcement.

The app factory lives in `server.app`; this package itself imports nothing heavy, so that
`python -m server.verify_case` runs with the standard library and `cryptography` alone.
"""


def create_app(config=None):
    """Build the Flask app (see server.app.create_app)."""
    from .app import create_app as build

    return build(config)
