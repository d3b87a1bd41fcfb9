"""The forms the server knows: loaded from FORMS_DIR when the app is built, published to the
database (kept for ever) when the server starts serving.

- `create_app` loads and checks every file (a bad file stops it) and, if the form_versions table
  exists, compares each file with its published version (an edited published file stops it).
  It writes nothing, so `flask db upgrade` works on a fresh database.
- `publish_form_versions` (run by wsgi.py at start, `flask forms publish`, and by whoever stores
  a record naming a version) inserts the versions not yet published and audits each one.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from ..audit.service import record_event
from ..clock import utcnow
from ..extensions import db
from ..parsed_once import parsed_once
from .loader import FormDefinitionError, FormVersion, build_form, load_forms_dir
from .models import PublishedFormVersion
from .validation import validate_answers

__all__ = ["get_form_version", "validate_answers", "is_evidence_item", "referenced_evidence",
           "publish_form_version", "list_forms", "current_versions"]
# Items whose answers name evidence files (a check's photos included).
EVIDENCE_ITEM_TYPES = frozenset({"check", "photo", "audio", "video", "signature"})

log = logging.getLogger("fieldcase.forms")
EXTENSION = "fieldcase_forms"


class PublishedVersionChanged(FormDefinitionError):
    """A form file differs from the version already published under its id and number."""


def init_app(app: Flask) -> None:
    """Load and check forms/ for this app; refuse an edited published version."""
    files = parsed_once(Path(app.config["FORMS_DIR"]), "*.yaml", load_forms_dir)
    app.extensions[EXTENSION] = {"files": files, "archived": {}}
    with app.app_context():
        try:
            if not sa.inspect(db.engine).has_table(PublishedFormVersion.__tablename__):
                log.info("form_versions table absent (database not migrated yet): nothing to compare")
                return
            check_published_versions()
        except sa.exc.OperationalError as exc:
            log.warning("cannot compare forms with the published versions now: %s", exc)
        finally:
            db.session.remove()


def _state() -> dict:
    return current_app.extensions[EXTENSION]


def list_forms() -> list[FormVersion]:
    """Every form version in forms/, by id then version."""
    return [form for _, form in sorted(_state()["files"].items())]


def current_versions() -> list[FormVersion]:
    """The highest version of each form in forms/ (the one to start new inspections with)."""
    latest: dict[str, FormVersion] = {}
    for form in list_forms():
        latest[form.id] = form
    return list(latest.values())


def get_form_version(form_id: str, version: int) -> FormVersion | None:
    """The exact version a record names: from forms/, or from the database once its file is gone."""
    state = _state()
    form = state["files"].get((form_id, version))
    if form is not None or (form_id, version) in state["archived"]:
        return form or state["archived"][(form_id, version)]
    row = db.session.execute(sa.select(PublishedFormVersion).filter_by(
        form_id=form_id, version=version)).scalar_one_or_none()
    if row is None:
        return None
    form = build_form(row.document, f"{row.source} (published {row.published_at:%Y-%m-%d})")
    state["archived"][(form_id, version)] = form
    return form


def is_evidence_item(form: FormVersion, item_id: str) -> bool:
    """True if evidence files may be attached to item `item_id` (repeat columns included)."""
    ref = form.items.get(item_id)
    return ref is not None and ref.item["type"] in EVIDENCE_ITEM_TYPES


def referenced_evidence(form: FormVersion, answers: Mapping) -> set[uuid.UUID]:
    """The evidence UUIDs the (well-formed parts of the) answers name."""
    return {uuid.UUID(ref.uuid) for ref in validate_answers(form, answers).evidence}


def published_hashes() -> dict[tuple[str, int], str]:
    """(form id, version) -> content hash of every published version."""
    rows = db.session.execute(sa.select(PublishedFormVersion.form_id, PublishedFormVersion.version,
                                        PublishedFormVersion.content_hash))
    return {(f, v): h for f, v, h in rows}


def check_published_versions() -> None:
    """Raise PublishedVersionChanged if a file in forms/ differs from its published version."""
    published = published_hashes()
    for key, form in sorted(_state()["files"].items()):
        if key in published and published[key] != form.content_hash:
            raise PublishedVersionChanged(
                form.source, None,
                f"form {form.id} version {form.version} was published with content hash "
                f"{published[key][:12]}…, the file now hashes to {form.content_hash[:12]}…: "
                f"published versions are immutable; restore the file or save the change as "
                f"{form.id}-v{form.version + 1}.yaml with version: {form.version + 1}")


def publish_form_version(form: FormVersion, published: dict | None = None) -> bool:
    """Keep `form` in the database if it is not there yet (audited); True if it was added."""
    published = published_hashes() if published is None else published
    key = (form.id, form.version)
    if key in published:
        if published[key] != form.content_hash:
            check_published_versions()
        return False
    db.session.add(PublishedFormVersion(
        form_id=form.id, version=form.version, content_hash=form.content_hash, title=form.title,
        domain=form.domain, document=form.document, source=form.source, published_at=utcnow()))
    db.session.flush()
    record_event("form.version_loaded", object_type="form", object_id=f"{form.id}/{form.version}",
                 details={"hash": form.content_hash, "source": form.source, "title": form.title})
    return True


def publish_form_versions() -> list[FormVersion]:
    """Publish every version in forms/ not yet published (caller commits); returns those added."""
    check_published_versions()
    published = published_hashes()
    return [form for form in list_forms() if publish_form_version(form, published)]


def publish_at_start(app: Flask) -> None:
    """At server start: publish new versions and commit; a worker racing another one yields."""
    with app.app_context():
        try:
            if not sa.inspect(db.engine).has_table(PublishedFormVersion.__tablename__):
                log.warning("form versions not published: run `flask --app server db upgrade`")
                return
            added = publish_form_versions()
            db.session.commit()
            for form in added:
                log.info("published form %s version %s (%s)", form.id, form.version, form.content_hash)
        except sa.exc.IntegrityError:
            db.session.rollback()  # another worker published them first: compare with its rows
            check_published_versions()
        finally:
            db.session.remove()
