"""`flask --app server discretion …`: list and check the discretion files, publish new versions."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from . import service

discretion_cli = AppGroup("discretion", help="Discretion benchmarks (discretion/*.yaml).")


@discretion_cli.command("check")
def check_discretion():
    """Check discretion/ (the app already refused a bad file) and list each version's state."""
    published = service.published_hashes() if sa.inspect(db.engine).has_table("audit_entries") else {}
    for b in service.list_benchmarks():
        state = "published" if (b.id, b.version) in published else "new"
        click.echo(f"{b.source:<34} {b.id:<22} v{b.version:<3} {len(b.violations):>3} violations "
                   f"{b.content_hash[:12]}  {state}")


@discretion_cli.command("publish")
def publish_discretion():
    """Publish (record in the audit log, for ever) every version not yet published."""
    added = service.publish_benchmark_versions()
    db.session.commit()
    for b in added:
        click.echo(f"published {b.id} v{b.version} ({b.content_hash[:12]})")
    click.echo(f"{len(added)} new, {len(service.list_benchmarks()) - len(added)} already published")
