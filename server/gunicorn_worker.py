"""FieldCase's gunicorn worker: gunicorn's own error answers as problem+json, like every other
answer of the API; and a worker replaced once it holds too much memory.

gunicorn refuses some requests before the app runs (a request line over 4094 bytes: 414; an
invalid header name: 400; too many or too large headers: 431) and answers them with an HTML page.
ProblemThreadWorker is gunicorn's threaded worker whose `handle_error` lets gunicorn decide,
log and account for the error as usual, but sends the client the same status as problem+json
(RFC 9457) with a code from the catalog (server/errors.py), so that the PWA reads every error
the same way. Set in gunicorn.conf.py as `worker_class`.

A worker whose resident memory has grown past FIELDCASE_WORKER_MAX_RSS_MB is replaced, as
gunicorn replaces one after `max_requests`: the next request it gets is answered with
`Connection: close`, it finishes what it holds, and the arbiter starts a fresh one. Memory a
worker took for one large request goes back to the system, and a worker that never grows is
never paid for again (a start costs about 2.4 s of CPU).
"""
from __future__ import annotations

import json
import re

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errors import CATALOG, PROBLEM_TYPE_BASE, code_for_status
from .process_memory import rss_mb

_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)\r\n")


class _ErrorPage:
    """Stands in for the client's socket while gunicorn writes its error page: keeps the bytes
    (only the status line is used), passes anything else to the real socket."""

    def __init__(self, sock):
        self._sock = sock
        self.written = bytearray()

    def gettimeout(self):
        return 0.0  # so gunicorn's write_nonblock writes at once, to sendall below

    def sendall(self, data):
        self.written += data

    def __getattr__(self, name):
        return getattr(self._sock, name)


def problem_answer(status: int, reason: str) -> bytes:
    """The whole HTTP answer (connection closed) for a status gunicorn chose."""
    code = code_for_status(status)
    _, title, detail = CATALOG[code]
    body = json.dumps({"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status,
                       "detail": detail, "code": code}, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's gthread worker answering its own errors as problem+json, and replaced once its
    memory has grown past its limit (`watch_memory`, `recycle_if_grown`)."""

    max_rss_mb = 0.0  # 0: no limit; set by watch_memory once the app is loaded

    def watch_memory(self, limit_mb: float) -> None:
        """After start-up: replace this worker once its RSS exceeds `limit_mb` (0: never). A
        worker that starts above the limit (the forms and the app grew) would be replaced after
        every request: the limit is then left off for it, and the log says so."""
        if limit_mb <= 0:
            return
        started = rss_mb()
        if started >= limit_mb:
            self.log.warning("Worker started with %.0f MB resident, at or over FIELDCASE_WORKER_MAX_RSS_MB"
                             " (%.0f MB): it is not replaced for its memory; raise the limit", started, limit_mb)
            return
        self.max_rss_mb = limit_mb

    def recycle_if_grown(self) -> None:
        """Before a request (gunicorn's pre_request): if the worker's RSS has grown over its limit,
        this request is its last (gunicorn closes its connection after the answer)."""
        if self.max_rss_mb and self.alive and (held := rss_mb()) > self.max_rss_mb:
            self.log.info("Replacing worker after current request: %.0f MB resident, over"
                          " FIELDCASE_WORKER_MAX_RSS_MB (%.0f MB)", held, self.max_rss_mb)
            self.alive = False

    def handle_error(self, req, client, addr, exc):
        page = _ErrorPage(client)
        super().handle_error(req, page, addr, exc)
        match = _STATUS_LINE.match(bytes(page.written))
        if match is None:
            return  # nothing was to be sent (or gunicorn could not say what)
        status, reason = int(match.group(1)), match.group(2).decode("latin-1")
        try:
            util.write_nonblock(client, problem_answer(status, reason))
        except Exception:  # noqa: BLE001 - the client may be gone; gunicorn ignores this too
            self.log.debug("Failed to send error message.")
