"""`flask --app server oversight scan`: look for new early warnings now (e.g. from cron each
morning) and print those raised; the same facts never raise a warning twice."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .warnings import scan_warnings

oversight_cli = AppGroup("oversight", help="The bureau's figures and early warnings (预警).")


@oversight_cli.command("scan")
def scan():
    """Raise the warnings the records call for that were not raised before."""
    raised = scan_warnings(None)
    db.session.commit()
    for warning in raised:
        click.echo(f"{warning.id}\t{warning.kind}\t{warning.title}")
    click.echo(f"{len(raised)} new warning(s)")
