"""Every request body is read against a clock (REQUEST_BODY_IDLE_SECONDS, server/config.py).

Under gunicorn a body read that stays silent that long fails: the client gets 408
`request.timeout`, its connection is closed, and nothing it sent has any effect. Bodies that
are not streamed (everything but a tus PATCH, which has its own idle timeout and keeps what
arrived) are read whole *before* the request touches the database, so that a half-sent body
never holds a thread's transaction — nor SQLite's writer lock — while it waits.

This bounds how long one silent client holds one worker thread; it does not make slow clients
cheap. The reverse proxy in front (deploy/nginx/fieldcase.conf) buffers bodies, so that a
silent client holds only a few kB of nginx's memory and never a thread.
"""
from __future__ import annotations

import socket
import time

from flask import current_app, request
from gunicorn.http.errors import NoMoreData
from werkzeug.exceptions import ClientDisconnected

from .errors import ApiError

STREAMED_TYPES = ("application/offset+octet-stream",)  # tus PATCH: read as it arrives


def read_body_first() -> None:
    """Before anything else in a request: start the body's read clock and read a non-streamed
    body into the request's cache; a body that goes silent raises ApiError("request.timeout")."""
    sock = request.environ.get("gunicorn.socket")
    length = request.content_length
    if sock is None or not length:
        return
    sock.settimeout(current_app.config["REQUEST_BODY_IDLE_SECONDS"])
    request.environ["fieldcase.body_clock"] = True
    if request.mimetype in STREAMED_TYPES or length > current_app.config["MAX_CONTENT_LENGTH"]:
        return
    try:
        request.get_data(cache=True)
    except (TimeoutError, ClientDisconnected) as exc:
        # Werkzeug reports a failed read as a disconnection; the timeout is its cause.
        if not isinstance(exc, TimeoutError) and not isinstance(exc.__context__, TimeoutError):
            raise
        _cut_off(sock)
        raise ApiError("request.timeout") from None


def _cut_off(sock: socket.socket) -> None:
    current_app.logger.warning("request body silent for %s s: %s %s from %s; cut off",
                               current_app.config["REQUEST_BODY_IDLE_SECONDS"], request.method,
                               request.path, request.remote_addr)
    try:
        # Whatever the client sends later is not read: gunicorn sees the end of the stream
        # and closes the connection after the answer, instead of draining a body for ever.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


def stop_body_clock() -> None:
    """After the request: the answer is written without the body's clock (gunicorn's default)."""
    sock = request.environ.get("gunicorn.socket")
    if sock is not None and request.environ.get("fieldcase.body_clock"):
        try:
            sock.settimeout(None)
        except OSError:  # the connection is already gone
            pass


class DrainUnreadBody:
    """WSGI middleware: before an answer leaves, read and discard what the client still has to
    send of a body the app did not read (a tus PATCH refused from its headers: 409 wrong offset,
    423 locked, 401, 403, 404, ...), up to `max_bytes` and `max_seconds`.

    Most HTTP clients (http.client, requests and the tus clients built on them; browsers for
    most uploads) send the whole body before they read the answer. gunicorn drains at most 64 kB
    of an unread body and then closes the connection, so that a client still sending gets a
    reset (EPIPE) instead of the answer, and retries blind. Drained here, the refusal reaches it
    and the kept-alive connection serves its next request. A body beyond the limits is left: the
    answer says `Connection: close`, and the connection closes, as gunicorn would.
    """

    def __init__(self, app, max_bytes: int, max_seconds: float):
        self.app, self.max_bytes, self.max_seconds = app, max_bytes, max_seconds

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is None or not environ.get("CONTENT_LENGTH") and not environ.get("HTTP_TRANSFER_ENCODING"):
            return self.app(environ, start_response)
        held = []

        def hold(status, headers, exc_info=None):
            held[:] = [status, headers, exc_info]

            def write(data):  # WSGI's legacy write(): Flask never uses it
                raise NotImplementedError("DrainUnreadBody: the app must return its body")
            return write

        body = self.app(environ, hold)
        if not self._drain(environ["wsgi.input"], sock):
            # gunicorn drops a Connection header from the app; its response object closes.
            getattr(getattr(start_response, "__self__", None), "force_close", lambda: None)()
        start_response(*held)
        return body

    def _drain(self, stream, sock) -> bool:
        """Whether the body was read to its end within the limits."""
        deadline, left = time.monotonic() + self.max_seconds, self.max_bytes
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                sock.settimeout(remaining)
                data = stream.read(min(65536, left + 1))
                if not data:
                    return True
                left -= len(data)
                if left < 0:
                    return False
        except (OSError, ValueError, NoMoreData):  # a silent, closed or broken client
            return False
        finally:
            try:
                sock.settimeout(None)
            except OSError:
                pass
