"""`flask --app server casefile export UUID -o FILE.zip`."""
from __future__ import annotations

import getpass
import os
from pathlib import Path

import click
from flask.cli import AppGroup

from ..errors import ApiError
from ..extensions import db
from .export import export_case_file

casefile_cli = AppGroup("casefile", help="Case files (一案一卷).")


@casefile_cli.command("export")
@click.argument("inspection_uuid", type=click.UUID)
@click.option("-o", "--output", required=True, help="The ZIP to write.",
              type=click.Path(dir_okay=False, path_type=Path))
def export_command(inspection_uuid, output: Path):
    """Write an inspection's case file; the export is audited and signed like one over the API."""
    partial = output.with_name(f".{output.name}.part")
    try:
        with open(partial, "wb") as f:
            manifest = export_case_file(None, inspection_uuid, f,
                                        actor_username=f"cli:{getpass.getuser()}"[:64])
            f.flush()
            os.fsync(f.fileno())
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"{error.code}: {error.detail}") from None
    except BaseException:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)  # only once the export entry and its checkpoint are committed
    checkpoint = manifest["checkpoint"]
    click.echo(f"{output}: {len(manifest['events'])} entries, "
               f"checkpoint {checkpoint['tree_size']} {checkpoint['root_hash']}, "
               f"key id {manifest['public_key']['key_id']}")
