"""Where evidence bytes live: a content-addressed, write-once store of originals and a
rebuildable store of derived files (thumbnails, previews).

Callers speak in keys (an original's SHA-256, or `<sha256>.thumb.jpg`) and never in paths, so the
S3-compatible backend (s3store.py) with the same methods replaces `LocalStore` without touching them:
`put_file` takes a finished local file (uploads always land on local disk first), `open` returns a
readable binary stream, and `local_path` is an optional fast path (sendfile) that may be None.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

KEY_PATTERN = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,12}){0,2}$")


class StorageError(Exception):
    """A key that is malformed, missing, or a disk failure, with the underlying cause."""


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a new or renamed file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path, durable: bool = True) -> None:
    """mkdir -p, fsyncing each parent whose entries changed (new folders survive a crash)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        if durable:
            fsync_dir(folder.parent)


class LocalStore:
    """Files under `root`, named by key and spread over `ab/cd/` folders.

    Every file is fsynced before it gets its name, and the folder after. With `write_once` an
    existing key is never replaced: a second put of the same key keeps the first file (the same
    SHA-256 means the same bytes), and a finished file on the same disk is linked straight to its
    name (no temporary name, no second fsync of the same bytes). `durable_names=False` (a store of
    rebuildable files) skips the folders' fsyncs: a name lost to a power cut is a file made again
    on demand, never a half-written one, since the file itself is still fsynced first.
    """

    def __init__(self, root: Path, *, write_once: bool, durable_names: bool = True) -> None:
        self.root = Path(root)
        self.write_once = write_once
        self.durable_names = durable_names

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise StorageError(f"malformed key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def exists(self, key: str) -> bool:
        """True when a complete file is stored under `key`."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """The stored file's size in bytes."""
        try:
            return self._path(key).stat().st_size
        except OSError as exc:
            raise StorageError(f"{key}: {exc}") from exc

    def local_path(self, key: str) -> Path | None:
        """A path the web server can send directly, or None for remote backends."""
        path = self._path(key)
        return path if path.is_file() else None

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading."""
        try:
            return open(self._path(key), "rb")
        except OSError as exc:
            raise StorageError(f"{key}: {exc}") from exc

    def put_file(self, key: str, source: Path) -> bool:
        """Store a copy of the local file `source` under `key`; False when the key was kept as it
        was (write-once and already stored). `source` is left for the caller to remove."""
        final = self._path(key)
        try:
            _make_dirs(final.parent, self.durable_names)
            if self.write_once and final.exists():
                return False
            if self.write_once and self._link_in_place(source, final):
                return True
            temp = final.parent / f".{key}.{secrets.token_hex(8)}.tmp"  # unique per writer thread
            try:
                os.link(source, temp)  # same file system: no copy, the bytes are already durable
                _fsync_file(temp)
            except OSError:
                shutil.copyfile(source, temp)
                _fsync_file(temp)
            os.chmod(temp, 0o444)
            return self._publish(temp, final)
        except OSError as exc:
            raise StorageError(f"storing {key}: {exc}") from exc

    def _link_in_place(self, source: Path, final: Path) -> bool:
        """Give the finished file `source` the name `final` (write-once, same disk); True when it
        is done or the key was taken meanwhile (kept as it was), False when `source` cannot be
        linked (another disk): then the caller copies."""
        _fsync_file(source)  # usually a no-op: an upload's bytes were fsynced as they arrived
        try:
            os.link(source, final)  # never replaces: a concurrent writer's file wins
        except FileExistsError:
            return True
        except OSError:
            return False
        os.chmod(final, 0o444)  # the link shares the source's inode: its mode is made durable with the folder
        fsync_dir(final.parent)
        return True

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Store `data` under `key` (small derived files); False when kept as it was."""
        final = self._path(key)
        try:
            _make_dirs(final.parent, self.durable_names)
            if self.write_once and final.exists():
                return False
            fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{key}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            return self._publish(Path(name), final)
        except OSError as exc:
            raise StorageError(f"storing {key}: {exc}") from exc

    def _publish(self, temp: Path, final: Path) -> bool:
        try:
            if self.write_once:
                try:
                    os.link(temp, final)  # never replaces: a concurrent writer's file wins
                except FileExistsError:
                    return False
            else:
                os.replace(temp, final)
            if self.durable_names:
                fsync_dir(final.parent)
            return True
        finally:
            temp.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        """Remove a derived file; originals are write-once and cannot be deleted."""
        if self.write_once:
            raise StorageError("the evidence store is write-once: originals are never deleted")
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Every stored key (for verification and rebuilding)."""
        for path in sorted(self.root.glob("??/??/*")):
            if KEY_PATTERN.match(path.name):
                yield path.name


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Stores:
    """The evidence originals (write-once) and derived files (rebuildable) of one app
    (LocalStores, or S3Stores of server/evidence/s3store.py: the same methods)."""

    originals: LocalStore
    derived: LocalStore


def build_stores(app: Flask) -> Stores:
    """The stores named by EVIDENCE_STORE for `app`: "local" (folders under STORAGE_DIR) or
    "s3" (two buckets of an S3-compatible object store)."""
    backend = app.config["EVIDENCE_STORE"]
    if backend == "s3":
        from .s3store import build_s3_stores  # boto3 is loaded only when the store is S3

        return Stores(*build_s3_stores(app.config))
    if backend != "local":
        raise RuntimeError(f"FIELDCASE_EVIDENCE_STORE={backend!r}: 'local' or 's3'")
    root = Path(app.config["STORAGE_DIR"])
    return Stores(originals=LocalStore(root / "evidence", write_once=True),
                  derived=LocalStore(root / "derived", write_once=False, durable_names=False))


def get_stores() -> Stores:
    """The current app's stores, built once per app."""
    app = current_app._get_current_object()
    stores = app.extensions.get("evidence_stores")
    if stores is None:
        stores = app.extensions["evidence_stores"] = build_stores(app)
    return stores
