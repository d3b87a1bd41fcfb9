"""`flask --app server documents demo-seal | seal [--retry-failed]`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .queue import after_sealing, seal_pending
from .seal_keys import demo_paths, make_demo_seal

documents_cli = AppGroup("documents", help="Enforcement documents (执法文书) and their seals.")

DEMO_WARNING = ("警告：使用的是演示用电子印章（演示 CA 签发，无法律效力）。正式使用前请按 docs/seals.md "
                "配置本局由省级 CA 签发的电子印章证书。\n"
                "WARNING: documents are sealed with a DEMONSTRATION seal (demo CA, no legal effect); "
                "configure the bureau's own seal (docs/seals.md) before real use.")


@documents_cli.command("demo-seal")
def demo_seal_command():
    """Make the demo CA and demo seal certificate in storage/seal/ (kept if present) and warn."""
    if current_app.config.get("SEAL_PKCS12"):
        click.echo(f"seal: {current_app.config['SEAL_PKCS12']} (FIELDCASE_SEAL_PKCS12)")
        return
    made = make_demo_seal(current_app.config["STORAGE_DIR"], current_app.config["BUREAU_NAME"])
    p12, ca, _ = demo_paths(current_app.config["STORAGE_DIR"])
    click.echo(f"{'made' if made else 'kept'} demo seal {p12}; demo CA certificate {ca}")
    click.echo(DEMO_WARNING, err=True)


@documents_cli.command("seal")
@click.option("--retry-failed", is_flag=True, help="Also seal the documents whose sealing failed.")
def seal_command(retry_failed: bool):
    """Seal every document waiting for its seal (what the background sealer does)."""
    counts = seal_pending(retry_failed=retry_failed)
    after_sealing()  # e.g. the archive of a closed case whose documents are now sealed
    click.echo(f"signed {counts['signed']}, failed {counts['failed']}, skipped {counts['skipped']}")
    if counts["failed"]:
        raise SystemExit(1)
