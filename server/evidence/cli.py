"""`flask --app server evidence …`: housekeeping of uploads and derived files."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..clock import utcnow
from ..extensions import db
from .cleanup import clean_up_uploads
from .models import EvidenceFile
from .service import rebuild_previews
from .storage import get_stores

evidence_cli = AppGroup("evidence", help="Evidence uploads, store and derived files.")


@evidence_cli.command("cleanup")
def cleanup_command():
    """Remove expired unfinished uploads and stray partial files (never received evidence)."""
    config = current_app.config
    report = clean_up_uploads(Path(config["STORAGE_DIR"]) / "uploads", utcnow(),
                              timedelta(hours=config["EVIDENCE_UPLOAD_EXPIRY_HOURS"]))
    click.echo(f"expired uploads: {len(report.expired)}; leftover partial files: "
               f"{len(report.leftovers)}; orphans: {len(report.orphans)}; "
               f"busy (skipped): {len(report.busy)}")


@evidence_cli.command("rebuild-previews")
def rebuild_previews_command():
    """Make every photo's thumbnail and preview again from the originals."""
    stores = get_stores()
    rows = db.session.execute(sa.select(EvidenceFile.sha256).where(
        EvidenceFile.has_previews.is_(True)).distinct()).scalars().all()
    for sha256 in rows:
        rebuild_previews(sha256, stores, current_app.config["EVIDENCE_MAX_PIXELS"])
    click.echo(f"rebuilt previews of {len(rows)} photos")
