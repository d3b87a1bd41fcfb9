"""`flask --app server simple …`: close a year's open number blocks, show a year's number ledger."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import blocks

simple_cli = AppGroup("simple", help="The simple procedure: number blocks of 当场行政处罚决定书.")


@simple_cli.command("close-year")
@click.argument("year", type=int)
def close_year(year):
    """After 31 December: close every open block of YEAR, voiding (作废) its unused numbers."""
    try:
        closed = blocks.close_year(year)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for block, voided in closed:
        click.echo(f"block {block.first_serial}-{block.last_serial} ({block.device_id}): "
                   f"{len(voided)} numbers voided")
    click.echo(f"{len(closed)} blocks of {year} closed")


@simple_cli.command("ledger")
@click.argument("year", type=int)
def ledger(year):
    """Every number of YEAR and what became of it; exits 1 if one is unaccounted for."""
    found = blocks.number_ledger(year)
    for row in found["numbers"]:
        what = row.get("number") or row.get("reason") or row.get("device_id") or ""
        click.echo(f"{row['serial']:>6} {row['state']:<9} {what}")
    if found["missing"]:
        raise click.ClickException(f"unaccounted numbers: {found['missing']}")
