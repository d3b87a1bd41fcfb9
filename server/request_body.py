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

from flask import current_app, request
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
