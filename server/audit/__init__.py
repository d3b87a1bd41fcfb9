"""The append-only audit log: every change of state leaves an entry here."""


def vouch_for(app, *kinds) -> None:
    """Have `audit verify` check these rows against the entries that vouch for them (vouched.py)."""
    app.extensions.setdefault("audit_vouched", []).extend(kinds)


def add_audit_check(app, check) -> None:
    """Have `audit verify` also run `check(report, progress)` (a higher layer's own check)."""
    app.extensions.setdefault("audit_checks", []).append(check)


def init_app(app) -> None:
    """Register audit: tables, API, CLI."""
    # Imported here, not above: importing the package stays light (app.py calls this).
    from ..extensions import api
    from . import models  # noqa: F401 - the tables, for SQLAlchemy and Alembic
    from .cli import audit_cli
    from .routes import blp
    from .witness_verify import verify_witnessing

    api.register_blueprint(blp)
    app.cli.add_command(audit_cli)
    add_audit_check(app, verify_witnessing)  # asks the witness what it co-signed
