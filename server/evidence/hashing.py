"""SHA-256 of an upload computed while its bytes arrive, on a helper thread.

Only an accelerator: the last PATCH then needs not read the whole file again. A PATCH served by
another worker process, or after a restart, finds no running hash for its offset, and completion
hashes the whole file from disk instead; correctness never depends on this cache. Bytes of an
upload below a confirmed offset never change (appends only; a discarded chunk is cut back to its
own start), so a hash that covered [0, offset) stays valid for that offset.
"""
from __future__ import annotations

import hashlib
import queue
import threading
from collections import OrderedDict

from flask import current_app

CAPACITY = 256  # open uploads whose running hash one process keeps


class RunningHashes:
    """Per-process map: upload id -> (offset covered, sha256 state), bounded, thread-safe."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: OrderedDict[str, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def take(self, upload_id: str, offset: int):
        """The hash covering exactly [0, offset), removed from the map; None when unknown."""
        with self._lock:
            entry = self._entries.pop(upload_id, None)
        if offset == 0:
            return hashlib.sha256()
        if entry is not None and entry[0] == offset:
            return entry[1]
        return None

    def put(self, upload_id: str, offset: int, digest) -> None:
        """Remember the hash covering [0, offset) for the next PATCH of this upload."""
        with self._lock:
            self._entries[upload_id] = (offset, digest)
            self._entries.move_to_end(upload_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


def running_hashes() -> RunningHashes:
    """The current app's map (one per app and process)."""
    return current_app.extensions.setdefault("evidence_running_hashes", RunningHashes())


class BackgroundHasher:
    """Feeds blocks to a hash on a helper thread (hashlib releases the GIL on large blocks), so
    hashing overlaps with reading the socket, writing and fsyncing."""

    def __init__(self, digest) -> None:
        self.digest = digest
        self._blocks: queue.Queue = queue.Queue(maxsize=4)  # bounded: memory stays flat
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (block := self._blocks.get()) is not None:
            self.digest.update(block)

    def update(self, block: bytes) -> None:
        """Queue a block (waits when the hasher is four blocks behind)."""
        self._blocks.put(block)

    def finish(self):
        """Wait for every queued block; returns the hash state."""
        self._blocks.put(None)
        self._thread.join()
        return self.digest
