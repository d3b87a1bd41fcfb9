"""PDFs laid out by WeasyPrint in a child process, so that layout's memory never stays in a worker.

Laying out a document in the Noto CJK fonts took a worker from 130 MB to 300-500 MB, and it
kept that memory until it was replaced: what Pango and HarfBuzz allocate lives as long as the
layout's boxes, in reference cycles, and a worker's heap does not shrink again once grown.
The sealer's documents (server/documents) and the printed record (server/review) are laid out
here instead: the worker renders the template to HTML, the child `python -m server.pdf`
(server/child_process.py) lays it out and answers the PDF's bytes and where the asked-for
anchors are. One child per worker process, replaced after PDF_MAX_JOBS documents or
PDF_MAX_RSS_MB of memory, and stopped after PDF_IDLE_SECONDS without work.

Nothing is fetched while laying out: every URL but data: is refused, in the child.
"""
from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

from .child_process import ChildFailed, ChildProcess, serve


class RenderFailed(ChildFailed):
    """The HTML could not be laid out (WeasyPrint's error, or the child died on it)."""


@dataclass(frozen=True)
class Page:
    """A page's height and the boxes (left, top, right, bottom, CSS px from the top left) of the
    anchors asked for that it holds."""

    height: float
    anchors: dict[str, tuple[float, float, float, float]]


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: list[Page]


class PdfRenderer(ChildProcess):
    """A worker's handle on its layout child (one document at a time)."""

    answer_seconds = 120.0  # a long decision lays out in about a second; silent this long is a hang

    def __init__(self, *, max_jobs: int, max_rss_mb: int, idle_seconds: float) -> None:
        super().__init__("server.pdf", max_jobs=max_jobs, max_rss_mb=max_rss_mb,
                         idle_seconds=idle_seconds, reap_when_idle=True)

    def render(self, html: str, base_url: str, *, name: str, anchors: tuple[str, ...] = (),
               pdf_variant: str | None = None, pdf_identifier: bytes | None = None) -> RenderedPdf:
        """Lay out `html` (`name` says which document, for errors) as PDF."""
        answer, blobs = self.ask({"html": html, "base_url": base_url, "anchors": list(anchors),
                                  "pdf_variant": pdf_variant,
                                  "pdf_identifier": pdf_identifier.hex() if pdf_identifier else None}, name)
        if "error" in answer:
            raise RenderFailed(f"{name}: {answer['error']}")
        return RenderedPdf(blobs["pdf"], [Page(p["height"], {k: tuple(v) for k, v in p["anchors"].items()})
                                          for p in answer["pages"]])


_renderers: dict[tuple[int, int, int], PdfRenderer] = {}
_renderers_lock = threading.Lock()


def render_pdf(html: str, base_url: str, **kwargs) -> RenderedPdf:
    """Lay out `html` as PDF in this process's layout child (PdfRenderer.render's arguments).

    The child holds nothing of the app: one per process and settings, shared by its apps."""
    from flask import current_app  # here, not at the top: the child has no use for Flask (135 ms)

    config = current_app.config
    key = (config["PDF_MAX_JOBS"], config["PDF_MAX_RSS_MB"], config["PDF_IDLE_SECONDS"])
    with _renderers_lock:
        renderer = _renderers.get(key)
        if renderer is None:
            renderer = _renderers[key] = PdfRenderer(max_jobs=key[0], max_rss_mb=key[1], idle_seconds=key[2])
    return renderer.render(html, base_url, **kwargs)


def _lay_out(request: dict) -> tuple[dict, dict[str, bytes]]:
    import weasyprint
    from weasyprint.urls import URLFetcher

    try:
        html = weasyprint.HTML(string=request["html"], base_url=request["base_url"],
                               url_fetcher=URLFetcher(allowed_protocols={"data"}))
        options = {"pdf_variant": request["pdf_variant"]}
        rendered = html.render(**options)
        identifier = request["pdf_identifier"]
        pdf = rendered.write_pdf(**options, pdf_identifier=bytes.fromhex(identifier) if identifier else None)
    except Exception as exc:  # noqa: BLE001 - WeasyPrint's error is the document's, for the parent
        return {"error": f"{type(exc).__name__}: {exc}"[:2000]}, {}
    pages = [{"height": page.height,
              "anchors": {a: list(page.anchors[a]) for a in request["anchors"] if a in page.anchors}}
             for page in rendered.pages]
    # The layout's boxes hold Pango's and HarfBuzz's memory in reference cycles: about 100 MB a
    # document that would wait for the collector's next full pass, so the child grew by that much
    # with every document (189, 402, 512 ... 741 MB). Collected now, it stays near 80 MB.
    del html, rendered
    gc.collect()
    if not gc.get_freeze_count():
        # What is left after the first document is WeasyPrint's for good (modules, fonts'
        # caches): out of the collector's reach, each later collection takes 7 ms, not 25-40.
        gc.freeze()
    return {"pages": pages}, {"pdf": pdf}


if __name__ == "__main__":
    serve(_lay_out)
