"""The discretion files the server knows: loaded from DISCRETION_DIR when the app is built,
published when the server starts serving, and never changed once published.

Publication reuses the audit log instead of a table of its own: publishing a version appends a
`discretion.version_published` entry (object `discretion`, id `<id>/<version>`) whose details
hold the content hash and the whole expanded document. The log is append-only, hashed and
verified (`audit verify`), so the entry keeps that version for ever, even after its file leaves
discretion/, and a case can always show the benchmark it was decided under.

- `create_app` loads and checks every file (a bad one stops it) and, if the audit table exists,
  compares each file with its published version: an edited published file stops the app
  (`PublishedBenchmarkChanged`). It writes nothing, so `flask db upgrade` works on a fresh database.
- `publish_benchmark_versions` (wsgi.py at start, `flask --app server discretion publish`)
  appends an entry for each version not yet published.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from ..audit.models import AuditEntry
from ..audit.service import record_event
from ..extensions import db
from ..parsed_once import parsed_once
from .loader import Benchmark, DiscretionDefinitionError, build_benchmark, current, load_discretion_dir

log = logging.getLogger("fieldcase.discretion")
EXTENSION = "fieldcase_discretion"
OBJECT_TYPE = "discretion"
PUBLISHED = "discretion.version_published"


class PublishedBenchmarkChanged(DiscretionDefinitionError):
    """A discretion file differs from the version already published under its id and number."""


def init_app(app: Flask) -> None:
    """Load and check discretion/ for this app; refuse an edited published version."""
    files = parsed_once(Path(app.config["DISCRETION_DIR"]), "*", load_discretion_dir)
    app.extensions[EXTENSION] = {"files": files, "archived": {}}
    with app.app_context():
        try:
            if not sa.inspect(db.engine).has_table(AuditEntry.__tablename__):
                return
            check_published_versions()
        except sa.exc.OperationalError as exc:
            log.warning("cannot compare discretion files with the published versions now: %s", exc)
        finally:
            db.session.remove()


def _state() -> dict:
    return current_app.extensions[EXTENSION]


def list_benchmarks() -> list[Benchmark]:
    """Every version in discretion/, by id then version."""
    return [b for _, b in sorted(_state()["files"].items())]


def current_benchmarks() -> list[Benchmark]:
    """The highest version of each discretion file (the ones new calculations use)."""
    return current(_state()["files"].values())


def find_violation(code: str) -> tuple[Benchmark, dict] | None:
    """The current benchmark holding violation `code`, and its entry."""
    for b in current_benchmarks():
        if b.kind == "benchmark" and code in b.violations:
            return b, b.violations[code]
    return None


def no_penalty_entry(code: str) -> tuple[Benchmark, dict] | None:
    """The current no-penalty list's entry for `code`, if the list names it."""
    for b in current_benchmarks():
        if b.kind == "no_penalty_list" and code in b.violations:
            return b, b.violations[code]
    return None


def published_hashes() -> dict[tuple[str, int], str]:
    """(id, version) -> content hash of every published version."""
    rows = db.session.execute(sa.select(AuditEntry.object_id, AuditEntry.details).where(
        AuditEntry.object_type == OBJECT_TYPE, AuditEntry.action == PUBLISHED))
    found = {}
    for object_id, details in rows:
        bid, _, version = object_id.rpartition("/")
        found[(bid, int(version))] = json.loads(details)["hash"]
    return found


def get_benchmark_version(bid: str, version: int) -> Benchmark | None:
    """The exact version a case names: from discretion/, or from its publication entry."""
    state = _state()
    found = state["files"].get((bid, version)) or state["archived"].get((bid, version))
    if found is not None:
        return found
    details = db.session.execute(sa.select(AuditEntry.details).where(
        AuditEntry.object_type == OBJECT_TYPE, AuditEntry.action == PUBLISHED,
        AuditEntry.object_id == f"{bid}/{version}")).scalar_one_or_none()
    if details is None:
        return None
    details = json.loads(details)
    found = build_benchmark(details["document"], f"{details['source']} (published)")
    state["archived"][(bid, version)] = found
    return found


def check_published_versions() -> None:
    """Raise PublishedBenchmarkChanged if a file differs from its published version."""
    published = published_hashes()
    for key, b in sorted(_state()["files"].items()):
        if key in published and published[key] != b.content_hash:
            raise PublishedBenchmarkChanged(
                b.source, None,
                f"{b.id} version {b.version} was published with content hash {published[key][:12]}…, "
                f"the file now hashes to {b.content_hash[:12]}…: published versions are immutable; "
                f"restore the file or save the change as {b.id}-v{b.version + 1}.yaml "
                f"with version: {b.version + 1}")


def publish_benchmark_versions() -> list[Benchmark]:
    """Publish every version in discretion/ not yet published (audited; caller commits)."""
    check_published_versions()
    published = published_hashes()
    added = [b for b in list_benchmarks() if (b.id, b.version) not in published]
    for b in added:
        record_event(PUBLISHED, object_type=OBJECT_TYPE, object_id=f"{b.id}/{b.version}",
                     details={"hash": b.content_hash, "source": b.source, "title": b.title,
                              "document": b.document})
    return added


def publish_at_start(app: Flask) -> None:
    """At server start: publish new versions and commit (a racing worker's turn comes after)."""
    with app.app_context():
        try:
            if not sa.inspect(db.engine).has_table(AuditEntry.__tablename__):
                log.warning("discretion versions not published: run `flask --app server db upgrade`")
                return
            for b in publish_benchmark_versions():
                log.info("published discretion %s version %s (%s)", b.id, b.version, b.content_hash)
            db.session.commit()
        finally:
            db.session.remove()
