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
    # Read before the commit: reading after it would open a new (writing) transaction.
    lines = [f"{warning.id}\t{warning.kind}\t{warning.title}" for warning in raised]
    db.session.commit()
    for line in lines:
        click.echo(line)
    click.echo(f"{len(raised)} new warning(s)")
