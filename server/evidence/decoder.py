"""Decoding photos in a child process, so that pixel buffers never live in a web worker.

A gunicorn worker is long-lived and threaded: every 12 MP decode it did left glibc arenas behind
(206 MB after 80 photos). Here each worker process owns at most one child,
`python -m server.evidence.decoder` (server/child_process.py), which decodes one photo at a
time, runs at a lower CPU priority than the web workers (an upload's answer comes first), and is
replaced after EVIDENCE_DECODER_MAX_JOBS photos or EVIDENCE_DECODER_MAX_RSS_MB of memory, and
closed after EVIDENCE_DECODER_IDLE_SECONDS without work (the thumbnail queue, derived.py, calls
close_if_idle). A child that crashes or hangs on a hostile file costs that file its previews,
never the worker.

Requests are {"path", "variants"}; answers carry the JPEG of each variant, or
{"error": "damaged" | "too_large" | "not_an_image", "detail": ...}.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..child_process import ChildFailed, ChildProcess, serve


class DecodeFailed(ChildFailed):
    """The photo could not be decoded (damaged, or the child died on it)."""


class Decoder(ChildProcess):
    """The parent's handle on one decoding child, shared by the worker's threads (one at a time)."""

    answer_seconds = 30.0  # a 64 MP photo decodes in ~1 s

    def __init__(self, max_pixels: int, *, max_jobs: int = 200, max_rss_mb: int = 150,
                 idle_seconds: float = 30.0) -> None:
        super().__init__("server.evidence.decoder", str(max_pixels), max_jobs=max_jobs,
                         max_rss_mb=max_rss_mb, idle_seconds=idle_seconds)
        self.max_pixels = max_pixels

    def make(self, path: Path, variants) -> dict[str, bytes]:
        """JPEG bytes of each variant of the photo at `path` (photos.make_derived, in the child).

        Raises photos.ImageTooLarge, photos.NotAnImage, or DecodeFailed."""
        try:
            answer, made = self.ask({"path": str(path), "variants": list(variants)}, path.name)
        except ChildFailed as exc:
            raise DecodeFailed(str(exc)) from exc
        if "error" in answer:
            raise _error(answer["error"], answer.get("detail", ""))
        return made


def _error(kind: str, detail: str) -> Exception:
    from .photos import ImageTooLarge, NotAnImage

    return {"too_large": ImageTooLarge, "not_an_image": NotAnImage}.get(kind, DecodeFailed)(detail)


def _decode(max_pixels: int):
    from PIL import Image

    from . import facts, photos

    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard, behind photos' check of the header

    def handle(request: dict) -> tuple[dict, dict[str, bytes]]:
        try:
            return {}, photos.make_derived(Path(request["path"]), max_pixels, request["variants"])
        except photos.ImageTooLarge as exc:
            return {"error": "too_large", "detail": str(exc)}, {}
        except photos.NotAnImage as exc:
            return {"error": "not_an_image", "detail": str(exc)}, {}
        except facts.DAMAGED as exc:
            return {"error": "damaged", "detail": f"{type(exc).__name__}: {exc}"[:300]}, {}
    return handle


if __name__ == "__main__":
    os.nice(10)  # uploads and pages first; derived images take what CPU is left
    serve(_decode(int(sys.argv[1])))
