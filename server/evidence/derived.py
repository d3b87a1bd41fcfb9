"""Derived images of photos (thumbnail, preview): made off the upload's path, kept beside the
originals in the derived store, and made again whenever asked for and missing.

An upload is answered once its original is stored and its EXIF facts recorded; its thumbnail
is then made by this worker's queue (a thread that feeds the decoding child, decoder.py). A
thumbnail or preview asked for before the queue got to it, or lost since, is made on demand.
Derived files are caches: `flask evidence rebuild-previews` makes them all again.
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path

from flask import current_app

from .decoder import Decoder
from .storage import Stores, get_stores

QUEUE_CAPACITY = 2000  # thumbnails waiting in one worker; beyond it they are made on demand
COPY_BLOCK = 1024 * 1024
COPY_PREFIX = "original-"
STALE_COPY_SECONDS = 3600
"""A local copy of a remote original older than this is left over: its process was killed
(SIGKILL, a power cut) before it could remove it; no decode takes that long."""
_log = logging.getLogger("fieldcase.evidence")
_build_lock = threading.Lock()


def derived_key(sha256: str, variant: str) -> str:
    """The derived store's key of one variant of an original."""
    return f"{sha256}.{variant}.jpg"


def make_derived_files(sha256: str, variants, stores: Stores, decoder: Decoder,
                       work_dir: Path | None = None) -> None:
    """Decode the original `sha256` (in the child) and store the asked variants. A remote
    original is copied into `work_dir` first (the system's temp folder when None)."""
    path = stores.originals.local_path(sha256)
    if path is None:  # a remote store: the child decodes a local copy, fetched in blocks
        if work_dir is not None:
            work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=COPY_PREFIX, suffix=".tmp", dir=work_dir) as copy:
            with stores.originals.open(sha256) as stream:
                shutil.copyfileobj(stream, copy, COPY_BLOCK)
            copy.flush()
            made = decoder.make(Path(copy.name), variants)
    else:
        made = decoder.make(path, variants)
    for variant, data in made.items():
        stores.derived.put_bytes(derived_key(sha256, variant), data)


class DerivedImages:
    """One worker's decoder and its queue of thumbnails to make; the thread runs only while
    there is work, and stops the decoding child when it leaves."""

    def __init__(self, stores: Stores, decoder: Decoder, work_dir: Path | None = None) -> None:
        self.stores, self.decoder, self.work_dir = stores, decoder, work_dir
        self._jobs: queue.Queue = queue.Queue(QUEUE_CAPACITY)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def enqueue_thumbnail(self, sha256: str) -> None:
        """Make the thumbnail soon, after the answer (dropped when the queue is full)."""
        try:
            self._jobs.put_nowait(sha256)
        except queue.Full:
            return
        self._ensure_thread()

    def ensure(self, sha256: str, variant: str) -> None:
        """Make `variant` now unless it is stored (a page asked for it)."""
        if not self.stores.derived.exists(derived_key(sha256, variant)):
            make_derived_files(sha256, [variant], self.stores, self.decoder, self.work_dir)
        self._ensure_thread()  # so that an idle child is stopped in time

    def wait_until_done(self) -> None:
        """Wait until every queued thumbnail is made or given up (tests, the bench)."""
        self._jobs.join()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fieldcase-thumbnails",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                sha256 = self._jobs.get(timeout=self.decoder.idle_seconds)
            except queue.Empty:
                self.decoder.close_if_idle()
                with self._start_lock:
                    if self._jobs.empty() and self.decoder.child_pid is None:
                        self._thread = None  # nothing to do, no child left running
                        return
                continue
            try:
                if not self.stores.derived.exists(derived_key(sha256, "thumbnail")):
                    make_derived_files(sha256, ["thumbnail"], self.stores, self.decoder, self.work_dir)
            except Exception as error:  # noqa: BLE001 - a photo that cannot be decoded keeps none
                _log.warning("thumbnail of %s not made: %s", sha256, error)
            finally:
                self._jobs.task_done()


def build_derived_images(config, stores: Stores) -> DerivedImages:
    """The derived images of one app, its decoder set by the EVIDENCE_DECODER_* settings. Local
    copies of remote originals go to `decoding/` in the uploads' staging folder (a file system,
    even when the evidence store is not), where copies left by a killed process are removed now."""
    from .uploads import staging_dir

    decoder = Decoder(config["EVIDENCE_MAX_PIXELS"], max_jobs=config["EVIDENCE_DECODER_MAX_JOBS"],
                      max_rss_mb=config["EVIDENCE_DECODER_MAX_RSS_MB"],
                      idle_seconds=config["EVIDENCE_DECODER_IDLE_SECONDS"])
    work_dir = staging_dir(config) / "decoding"
    remove_stale_copies(work_dir, time.time())
    return DerivedImages(stores, decoder, work_dir)


def remove_stale_copies(work_dir: Path, now: float) -> list[str]:
    """Remove the local copies of originals in `work_dir` older than STALE_COPY_SECONDS (left
    by a process killed while decoding); returns their names. Only this module's copies are
    touched, never an original."""
    removed = []
    try:
        entries = list(os.scandir(work_dir))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(COPY_PREFIX) and entry.name.endswith(".tmp")):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and \
                    now - entry.stat(follow_symlinks=False).st_mtime > STALE_COPY_SECONDS:
                os.unlink(entry.path)
                removed.append(entry.name)
        except FileNotFoundError:
            continue  # another worker removed it first
    if removed:
        _log.info("removed %d local copies of originals left by killed processes", len(removed))
    return removed


def get_derived_images() -> DerivedImages:
    """The current app's derived images (one decoder and queue per app and process)."""
    app = current_app._get_current_object()
    with _build_lock:
        images = app.extensions.get("evidence_derived_images")
        if images is None:
            images = build_derived_images(app.config, get_stores())
            app.extensions["evidence_derived_images"] = images
    return images
