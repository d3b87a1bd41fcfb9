"""`flask --app server audit verify|checkpoint`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .checkpoints import make_checkpoint
from .sequencer import sequence_pending
from .verify import VerifyReport, verify_log, verify_queue
from .vouched import verify_vouched_rows
from .witnessing import WitnessUnavailable, witness_latest

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def _progress_bar(done: int, total: int) -> None:
    if not sys.stderr.isatty() or not total:
        return
    width = 40
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()
    if done >= total:
        sys.stderr.write("\n")


@audit_cli.command("verify")
def verify_command():
    """Recompute the log's tree, check every signed checkpoint, check every record, revision and
    review decision against the entries that vouch for it, and re-hash every evidence file."""
    report = VerifyReport()
    verify_log(report, _progress_bar)
    verify_queue(report)
    # Rows of higher layers whose content the log vouches for (records, review decisions…).
    verify_vouched_rows(report, current_app.extensions.get("audit_vouched", []), _progress_bar)
    # Checks of higher layers (the evidence store's files), registered by the app factory.
    for check in current_app.extensions.get("audit_checks", []):
        check(report, _progress_bar)
    click.echo(report.summary())
    for problem in report.problems[1:]:
        click.echo(f"  also: {problem}")
    for note in report.notes:
        click.echo(f"  {note}")
    if not report.ok:
        sys.exit(1)


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Sign a checkpoint of the log now."""
    checkpoint = make_checkpoint("cli")
    db.session.commit()
    click.echo(f"checkpoint: {checkpoint.tree_size} entries, root {checkpoint.root_hash}")
    try:
        click.echo(f"witness: {witness_latest()}")
    except WitnessUnavailable as exc:
        click.echo(f"witness: not yet ({exc}); the server submits it again later")


@audit_cli.command("sequence")
def sequence_command():
    """Move every committed queued entry into the log now (after a worker died between its
    commit and its sequencing; the next write or checkpoint would do it too)."""
    click.echo(f"sequenced: {sequence_pending()} queued entries")
