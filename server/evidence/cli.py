"""`flask --app server evidence …`: housekeeping of uploads and derived files."""
from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..clock import utcnow
from ..extensions import db
from .cleanup import clean_up_uploads
from .derived import get_derived_images, make_derived_files
from .facts import FlagRules
from .models import EvidenceFile
from .service import finish_upload
from .storage import get_stores
from .uploads import staging_dir

evidence_cli = AppGroup("evidence", help="Evidence uploads, store and derived files.")


@evidence_cli.command("cleanup")
def cleanup_command():
    """Finish uploads whose recording was cut, expire unfinished ones, remove stray partial files
    (received evidence is never touched)."""
    config = current_app.config

    def finish(ticket, creator):
        return finish_upload(ticket, actor=creator, digest=None, stores=get_stores(),
                             images=get_derived_images(), max_pixels=config["EVIDENCE_MAX_PIXELS"],
                             rules=FlagRules.from_config(config), now=utcnow())

    report = clean_up_uploads(staging_dir(config), utcnow(),
                              timedelta(hours=config["EVIDENCE_UPLOAD_EXPIRY_HOURS"]), finish)
    get_derived_images().wait_until_done()  # the finished photos' thumbnails, before exiting
    click.echo(f"finished uploads: {len(report.finished)} (refused: {len(report.refused)}); "
               f"expired uploads: {len(report.expired)}; leftover partial files: "
               f"{len(report.leftovers)}; orphans: {len(report.orphans)}; "
               f"busy (skipped): {len(report.busy)}")


@evidence_cli.command("rebuild-previews")
def rebuild_previews_command():
    """Make every photo's thumbnail and preview again from the originals."""
    stores, images = get_stores(), get_derived_images()
    rows = db.session.execute(sa.select(EvidenceFile.sha256).where(
        EvidenceFile.has_previews.is_(True)).distinct()).scalars().all()
    for sha256 in rows:
        make_derived_files(sha256, ("preview", "thumbnail"), stores, images.decoder, images.work_dir)
    images.decoder.close()
    click.echo(f"rebuilt previews of {len(rows)} photos")


@evidence_cli.command("s3-init")
def s3_init_command():
    """Create the S3 store's buckets if missing: originals with Object Lock (COMPLIANCE, for
    EVIDENCE_S3_RETENTION_DAYS), derived files plain (docs/storage.md)."""
    from .s3store import create_buckets, make_client

    config = current_app.config
    create_buckets(make_client(config), config["EVIDENCE_S3_BUCKET"],
                   config["EVIDENCE_S3_DERIVED_BUCKET"], config["EVIDENCE_S3_RETENTION_DAYS"])
    click.echo(f"buckets ready: {config['EVIDENCE_S3_BUCKET']} (Object Lock, COMPLIANCE "
               f"{config['EVIDENCE_S3_RETENTION_DAYS']} days), {config['EVIDENCE_S3_DERIVED_BUCKET']}")
