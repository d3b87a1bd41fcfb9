"""`flask --app server export …`: deliver the outbox now, and manage collectors and endpoints."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from ..errors import ApiError
from ..extensions import db
from . import clients, outbox
from .delivery import deliver_due
from .status import endpoint_summaries

export_cli = AppGroup("export", help="Export to the provincial platform (docs/export.md).")


def _fail(error: ApiError):
    db.session.rollback()
    raise click.ClickException(f"{error.code}: {error.detail}")


@export_cli.command("deliver")
def deliver():
    """Attempt every webhook delivery due now (failures wait for their next attempt)."""
    attempts = deliver_due()
    click.echo(f"{attempts} attempt(s)")
    click.echo(json.dumps(endpoint_summaries(), ensure_ascii=False, indent=2))


@export_cli.command("client-add")
@click.argument("name")
def client_add(name):
    """Create a collector; prints its bearer token (shown only this once)."""
    try:
        _client, token = clients.add_client(name)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(token)


@export_cli.command("client-revoke")
@click.argument("name")
def client_revoke(name):
    """Revoke a collector's token."""
    try:
        clients.revoke_client(name)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"revoked {name}")


@export_cli.command("endpoint-add")
@click.argument("name")
@click.argument("url")
@click.option("--from-now", is_flag=True, help="Send only events from now on (default: all history).")
def endpoint_add(name, url, from_now):
    """Add a webhook endpoint; prints its signing secret (whsec_…) for the receiver."""
    try:
        endpoint = outbox.add_endpoint(name, url, from_now=from_now)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(endpoint.secret)


@export_cli.command("endpoint-disable")
@click.argument("name")
def endpoint_disable(name):
    """Stop pushing to an endpoint (what is pending waits; the pull API is unaffected)."""
    try:
        outbox.disable_endpoint(name)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"disabled {name}")


@export_cli.command("endpoints")
def endpoints():
    """Endpoints and their deliveries by state."""
    click.echo(json.dumps(endpoint_summaries(), ensure_ascii=False, indent=2))
    db.session.rollback()
