"""The sealing queue: documents wait in state pending (待签章) until sealed (已签章) or refused
(签章失败, with the reason). Laying out and signing happen outside the writer's lock, in a read
transaction; only the outcome is written (a short writer's transaction), so sealing never holds
up a sync. A background thread per process seals when woken after an issue and every
SEAL_POLL_SECONDS; `flask --app server documents seal` drains the queue by hand. After each
pass, `after_sealing` runs what other features registered (the cases' archive on 结案).

On one machine, one pass at a time (`_sealing_turn`). Processes on two machines may seal the same
document at once: the second finds it sealed and drops its copy (the stored file is
content-addressed, so nothing is overwritten).
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from ..audit.service import record_event
from ..clock import utcnow
from ..database import write_intent
from ..evidence.storage import LocalStore
from ..extensions import db
from .models import Document
from .render import render_document
from .seal_image import draw_seal
from .seal_keys import load_signer
from .sealing import seal_pdf
from .types import get_type

log = logging.getLogger("fieldcase.documents")
ERROR_MAX = 2000


def document_store() -> LocalStore:
    """Sealed PDFs, by their SHA-256, written once."""
    return LocalStore(Path(current_app.config["STORAGE_DIR"]) / "documents", write_once=True)


def seal_pending(*, retry_failed: bool = False, limit: int | None = None) -> dict[str, int]:
    """Seal every waiting document (and those that failed, with `retry_failed`); returns counts
    by outcome. One pass at a time on this machine (`_sealing_turn`)."""
    states = ("pending", "failed") if retry_failed else ("pending",)
    counts = {"signed": 0, "failed": 0, "skipped": 0}
    with _sealing_turn():
        with write_intent(False):
            ids = list(db.session.execute(sa.select(Document.id).where(Document.state.in_(states))
                                          .order_by(Document.id).limit(limit)).scalars())
            db.session.rollback()
        for document_id in ids:
            counts[seal_document(document_id, states)] += 1
    return counts


@contextmanager
def _sealing_turn():
    """Wait for the other processes' passes on this machine to end (an flock beside the sealed
    documents; the OS lets go of a dead process's): every worker's sealer starts with it and
    polls on the same beat, so without a turn each of them laid out every waiting document, each
    in a layout child of its own. The next pass lists what is still waiting, so a document is
    laid out once. Processes on other machines may still seal one at once (see above)."""
    folder = Path(current_app.config["STORAGE_DIR"]) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".sealing.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def seal_document(document_id: int, states: tuple[str, ...] = ("pending",)) -> str:
    """Lay out, seal and store one document, then record the outcome: signed, failed or skipped
    (someone else sealed it meanwhile)."""
    signed = error = pdf_sha = None
    with write_intent(False):
        document = db.session.get(Document, document_id)
        if document is None or document.state not in states:
            db.session.rollback()
            return "skipped"
        try:
            signer, demo = load_signer()
            pdf, box = render_document(document, demo_seal=demo)
            bureau = current_app.config["BUREAU_NAME"]
            signed = seal_pdf(pdf, box, signer, draw_seal(bureau, demo=demo), bureau=bureau,
                              reason=f"{get_type(document.doc_type).title} {document.number}")
            pdf_sha = hashlib.sha256(pdf).hexdigest()
            document_store().put_bytes(hashlib.sha256(signed).hexdigest(), signed)
        except Exception as exc:  # noqa: BLE001 - any failure is the document's state, with its reason
            log.exception("sealing document %s failed", document_id)
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        db.session.rollback()
    with write_intent(True):
        document = db.session.get(Document, document_id)
        if document.state not in states:
            db.session.rollback()
            return "skipped"
        if error is not None:
            document.state, document.sign_error = "failed", error
            record_event("document.seal_failed", object_type="document", object_id=str(document.uuid),
                         actor_username="sealer", details={"reason": error})
        else:
            document.state, document.sign_error = "signed", None
            document.pdf_sha256 = pdf_sha
            document.signed_sha256 = hashlib.sha256(signed).hexdigest()
            document.signed_at = utcnow()
            record_event("document.signed", object_type="document", object_id=str(document.uuid),
                         actor_username="sealer", details={
                             "pdf_sha256": document.pdf_sha256,
                             "signed_sha256": document.signed_sha256,
                             "signed_at": document.signed_at.isoformat()})
        db.session.commit()
        return document.state


def after_sealing() -> None:
    """What other features do once documents are sealed (app.extensions["after_sealing"]: the
    cases archive their closed cases), run after each pass of the sealer; documents/ knows
    nothing of them."""
    for hook in current_app.extensions.get("after_sealing", ()):
        hook()


def sealed_pdf(document: Document) -> bytes:
    return document_store().open(document.signed_sha256).read()


# --- the background sealer ------------------------------------------------------------------------

_start_lock = threading.Lock()


def _start_sealer(app: Flask) -> threading.Event:
    wake = threading.Event()

    def run():
        while True:
            wake.wait(app.config["SEAL_POLL_SECONDS"])
            wake.clear()
            with app.app_context():
                try:
                    seal_pending()
                    after_sealing()
                except Exception:  # noqa: BLE001 - the thread must survive to try again
                    log.exception("the sealer failed")
                finally:
                    db.session.remove()

    threading.Thread(target=run, name="fieldcase-sealer", daemon=True).start()
    return wake


def start_sealer(app: Flask) -> threading.Event | None:
    """This process's sealer thread, started once; its wake-up, or None where sealing is by hand
    only (SEAL_WORKER off) or in the test client's app (its tests call seal_pending themselves;
    under gunicorn the thread runs as in production). A gunicorn worker starts it when it starts
    (gunicorn.conf.py), so that documents a replaced or crashed worker left waiting are sealed
    within SEAL_POLL_SECONDS even if nobody issues or opens one."""
    if hasattr(app, "_get_current_object"):  # current_app: the thread outlives the request
        app = app._get_current_object()
    if not app.config.get("SEAL_WORKER") or app.testing:
        return None
    with _start_lock:
        wake = app.extensions.get("document_sealer_wake")
        if wake is None:
            wake = app.extensions["document_sealer_wake"] = _start_sealer(app)
    return wake


def wake_sealer(app: Flask) -> None:
    """Seal soon, from this process's sealer thread (started if need be); called after a
    document was issued and committed, and when a waiting document is opened."""
    wake = start_sealer(app)
    if wake is not None:
        wake.set()
