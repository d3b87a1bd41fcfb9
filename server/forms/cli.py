"""`flask --app server forms …`: list and check the forms, publish new versions."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from . import service

forms_cli = AppGroup("forms", help="Inspection forms (forms/*.yaml).")


@forms_cli.command("check")
def check_forms():
    """Check forms/ (the app already refused a bad file) and list each version's state."""
    published = service.published_hashes() if sa.inspect(db.engine).has_table("form_versions") else {}
    for form in service.list_forms():
        state = "published" if (form.id, form.version) in published else "new"
        click.echo(f"{form.source:<34} {form.id:<22} v{form.version:<3} {len(form.items):>3} items "
                   f"{form.content_hash[:12]}  {state}")


@forms_cli.command("publish")
def publish_forms():
    """Publish (keep for ever) every version in forms/ not yet published."""
    added = service.publish_form_versions()
    db.session.commit()
    for form in added:
        click.echo(f"published {form.id} v{form.version} ({form.content_hash[:12]})")
    click.echo(f"{len(added)} new, {len(service.list_forms()) - len(added)} already published")

