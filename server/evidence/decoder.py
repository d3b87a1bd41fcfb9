"""Decoding photos in a child process, so that pixel buffers never live in a web worker.

A gunicorn worker is long-lived and threaded: every 12 MP decode it did left glibc arenas behind
(206 MB after 80 photos). Here each worker process owns at most one child,
`python -m server.evidence.decoder`, which decodes one photo at a time, runs at a lower CPU
priority than the web workers (an upload's answer comes first), and is replaced after
EVIDENCE_DECODER_MAX_JOBS photos or EVIDENCE_DECODER_MAX_RSS_MB of memory, and closed after
EVIDENCE_DECODER_IDLE_SECONDS without work. A child that crashes or hangs on a hostile file
costs that file its previews, never the worker.

The protocol, over the child's stdin/stdout: one JSON line per request, {"path", "variants"};
one JSON line per answer, {"sizes": {variant: n}} followed by the JPEG bytes in that order, or
{"error": "damaged" | "too_large" | "not_an_image", "detail": ...}.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..process_memory import rss_mb

ANSWER_TIMEOUT_SECONDS = 30  # a 64 MP photo decodes in ~1 s; a child silent this long is killed
START_SECONDS = 60  # more for a child just started (importing Pillow on a loaded machine)


class DecodeFailed(OSError):
    """The photo could not be decoded (damaged, or the child died on it)."""


class Decoder:
    """The parent's handle on one decoding child, shared by the worker's threads (one at a time)."""

    def __init__(self, max_pixels: int, *, max_jobs: int = 200, max_rss_mb: int = 150,
                 idle_seconds: float = 30.0) -> None:
        self.max_pixels, self.max_jobs, self.max_rss_mb = max_pixels, max_jobs, max_rss_mb
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._jobs = 0
        self._last_used = time.monotonic()
        self.children_started = 0  # for tests and the bench

    def make(self, path: Path, variants) -> dict[str, bytes]:
        """JPEG bytes of each variant of the photo at `path` (photos.make_derived, in the child).

        Raises photos.ImageTooLarge, photos.NotAnImage, or DecodeFailed."""
        request = json.dumps({"path": str(path), "variants": list(variants)}).encode() + b"\n"
        with self._lock:
            for attempt in (1, 2):  # a child that died since its last photo is replaced once
                started = self.children_started
                child = self._running_child()
                try:
                    fresh = self.children_started != started
                    answer, made = self._ask(child, request, START_SECONDS if fresh else 0)
                    break
                except (OSError, ValueError, TimeoutError) as exc:
                    self._stop_child()
                    gone_before = not isinstance(exc, TimeoutError) and self.children_started == started
                    if attempt == 2 or not gone_before:  # it died, or hung, on this very photo
                        raise DecodeFailed(f"decoder child failed on {path.name}: {exc}") from exc
            self._jobs += 1
            self._last_used = time.monotonic()
            if self._jobs >= self.max_jobs or rss_mb(child.pid) > self.max_rss_mb:
                self._stop_child()  # its memory goes back to the system with it
        if "error" in answer:
            raise _error(answer["error"], answer.get("detail", ""))
        return made

    def _ask(self, child: subprocess.Popen, request: bytes, extra: float) -> tuple[dict, dict[str, bytes]]:
        child.stdin.write(request)
        child.stdin.flush()
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS + extra
        answer = json.loads(self._answers.line(deadline))
        return answer, {v: self._answers.exactly(n, deadline) for v, n in answer.get("sizes", {}).items()}

    def close_if_idle(self) -> None:
        """Stop the child when it has had no work for idle_seconds."""
        with self._lock:
            if self._child and time.monotonic() - self._last_used > self.idle_seconds:
                self._stop_child()

    def close(self) -> None:
        """Stop the child (it exits on end of input)."""
        with self._lock:
            self._stop_child()

    @property
    def child_pid(self) -> int | None:
        """The running child's process id, if any."""
        return self._child.pid if self._child and self._child.poll() is None else None

    def _running_child(self) -> subprocess.Popen:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "server.evidence.decoder", str(self.max_pixels)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(__file__).parents[2])
            self._answers = _Answers(self._child.stdout.fileno())
            self._jobs = 0
            self.children_started += 1
        return self._child

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        try:
            child.stdin.close()
            child.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()
        child.stdout.close()


def _error(kind: str, detail: str) -> Exception:
    from .photos import ImageTooLarge, NotAnImage

    return {"too_large": ImageTooLarge, "not_an_image": NotAnImage}.get(kind, DecodeFailed)(detail)


class _Answers:
    """Reads the child's answers from its stdout pipe, never waiting longer than a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, bytearray()

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
            raise TimeoutError("no answer from the decoder child")
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            raise OSError("the decoder child exited")
        self.buffer += chunk

    def line(self, deadline: float) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            self._fill(deadline)
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return line

    def exactly(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            self._fill(deadline)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def serve(max_pixels: int, stdin=None, stdout=None) -> None:
    """The child's loop: answer requests until end of input."""
    from PIL import Image

    from . import facts, photos

    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard, behind photos' check of the header
    stdin, stdout = stdin or sys.stdin.buffer, stdout or sys.stdout.buffer
    while line := stdin.readline():
        request = json.loads(line)
        try:
            made = photos.make_derived(Path(request["path"]), max_pixels, request["variants"])
        except photos.ImageTooLarge as exc:
            answer, made = {"error": "too_large", "detail": str(exc)}, {}
        except photos.NotAnImage as exc:
            answer, made = {"error": "not_an_image", "detail": str(exc)}, {}
        except facts.DAMAGED as exc:
            answer, made = {"error": "damaged", "detail": f"{type(exc).__name__}: {exc}"[:300]}, {}
        else:
            answer = {"sizes": {variant: len(data) for variant, data in made.items()}}
        stdout.write(json.dumps(answer).encode() + b"\n" + b"".join(made.values()))
        stdout.flush()


if __name__ == "__main__":
    os.nice(10)  # uploads and pages first; derived images take what CPU is left
    try:
        serve(int(sys.argv[1]))
    except (BrokenPipeError, KeyboardInterrupt):
        # The worker that asked is gone (killed, recycled, stopped): nobody waits for the answer,
        # and the worker's queue makes the image again on demand. Leave quietly.
        os._exit(0)
