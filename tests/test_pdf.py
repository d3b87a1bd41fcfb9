"""PDFs are laid out in a child process (server/pdf.py): its memory stays flat from document to
document, a layout error is that document's, a child that dies is replaced, an idle child goes
away, and nothing is fetched from anywhere while laying out."""
from __future__ import annotations

import http.server
import io
import os
import re
import signal
import threading
import time

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from server.pdf import PdfRenderer, RenderFailed
from server.process_memory import rss_mb

LONG = "经查，当事人驾驶的货车车货总质量超过限定标准，违反《公路安全保护条例》第三十三条。" * 60
DECISION = f"""<html><body style="font-family: 'Noto Serif CJK SC'">
<h1 style="font-family: 'Noto Sans CJK SC'; font-weight: bold">行政处罚决定书</h1>
<p>{LONG}</p><p>{LONG}</p><div id="seal" style="width: 40mm; height: 40mm"></div>
</body></html>"""


@pytest.fixture
def renderer():
    renderer = PdfRenderer(max_jobs=100, max_rss_mb=2000, idle_seconds=60)
    yield renderer
    renderer.close()


def _lay_out(renderer: PdfRenderer, html: str = DECISION, **options):
    return renderer.render(html, "/nonexistent", name="test document", **options)


def test_a_document_is_laid_out_with_its_anchors_and_the_childs_memory_stays_flat(renderer):
    first = _lay_out(renderer, anchors=("seal", "absent"), pdf_variant="pdf/a-2b", pdf_identifier=b"42")
    xmp = PdfFileReader(io.BytesIO(first.pdf)).root["/Metadata"].data.decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)2', xmp)  # the variant asked for
    assert len(first.pages) >= 2 and [p.anchors.keys() for p in first.pages].count({"seal"}) == 1
    left, top, right, bottom = next(p.anchors["seal"] for p in first.pages if p.anchors)
    assert right > left and bottom > top and all(p.height > 1000 for p in first.pages)
    _lay_out(renderer, pdf_variant="pdf/a-2b")
    warm = rss_mb(renderer.child_pid)  # about 120 MB here
    for _ in range(4):
        assert _lay_out(renderer, pdf_variant="pdf/a-2b").pdf.startswith(b"%PDF-")
    # Each layout left about 100 MB in reference cycles until it was collected (189 ... 741 MB):
    # four layouts would add 400. The allowance is half of one such layout: the allocator's own
    # spread (a full suite on PostgreSQL once saw +24.5 MB) stays under it, the leak does not.
    assert rss_mb(renderer.child_pid) < warm + 50, (warm, rss_mb(renderer.child_pid))
    assert renderer.children_started == 1


def test_a_layout_error_is_the_documents_and_the_child_goes_on(renderer):
    with pytest.raises(RenderFailed, match="test document.*pdf/z"):
        _lay_out(renderer, pdf_variant="pdf/z-9")
    assert _lay_out(renderer).pdf.startswith(b"%PDF-")
    assert renderer.children_started == 1


def test_a_child_that_died_is_replaced_and_one_past_its_memory_is_retired():
    renderer = PdfRenderer(max_jobs=100, max_rss_mb=1, idle_seconds=60)
    try:
        _lay_out(renderer)
        assert renderer.child_pid is None and renderer.children_started == 1  # over 1 MB: retired
        renderer.max_rss_mb = 2000
        _lay_out(renderer)
        os.kill(renderer.child_pid, signal.SIGKILL)  # the kernel's OOM killer, say
        assert _lay_out(renderer).pdf.startswith(b"%PDF-")
        assert renderer.children_started == 3
    finally:
        renderer.close()


def test_an_idle_child_is_stopped_and_its_memory_given_back():
    renderer = PdfRenderer(max_jobs=100, max_rss_mb=2000, idle_seconds=1)
    _lay_out(renderer)
    child = renderer._child
    deadline = time.monotonic() + 30
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert child.poll() is not None and renderer.child_pid is None
    assert _lay_out(renderer).pdf.startswith(b"%PDF-")  # and a new one comes when needed
    renderer.close()


def test_nothing_is_fetched_while_laying_out(renderer, tmp_path):
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        pdf = _lay_out(renderer, f"""<html><head><link rel="stylesheet" href="{url}/style.css">
            <link rel="stylesheet" href="file://{secret}"></head><body>
            <img src="{url}/photo.jpg"><img src="file:///etc/hostname">
            <p style="background: url({url}/bg.png)">检查</p></body></html>""").pdf
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF-") and asked == []
