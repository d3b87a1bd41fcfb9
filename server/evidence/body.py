"""Reading a PATCH body so that bytes which arrived before a connection failed are not lost.

gunicorn's `wsgi.input` fills its buffers until it holds the size asked for; if the connection
times out or is reset meanwhile, the read raises and the bytes that did arrive stay in those
buffers. `BodyStream` hands them over instead (they are body bytes, in order), then reports the
end. Under another server it simply reads.
"""
from __future__ import annotations

import io
from contextlib import contextmanager

from werkzeug.exceptions import RequestEntityTooLarge


class BodyStream:
    """A request body read in blocks; `cut` is True once a read failed (client gone, timeout).

    Built from the Flask request (the only thing here that knows it), handed to the services."""

    def __init__(self, request) -> None:
        self.wsgi_input = request.environ.get("wsgi.input")
        if request.content_length is not None and "wsgi.input_terminated" in request.environ:
            # The server ends the stream at Content-Length (gunicorn does) and the caller never
            # asks beyond it: read it directly, without Werkzeug's wrapper copying every block.
            self.stream = self.wsgi_input
        else:
            self.stream = request.stream
        self.cut = False

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; b"" at the end of the body or after a failure."""
        if self.cut:
            return b""
        try:
            return self.stream.read(size)
        except RequestEntityTooLarge:
            raise
        except Exception:  # noqa: BLE001 - reset, timeout, disconnect: the client is gone
            self.cut = True
            return self._salvage()[:size]

    def _salvage(self) -> bytes:
        # gunicorn's Body keeps unreturned bytes in .buf, its reader's unreader in .buf after them.
        parts = []
        reader = getattr(self.wsgi_input, "reader", None)
        for buffer in (getattr(self.wsgi_input, "buf", None),
                       getattr(getattr(reader, "unreader", None), "buf", None)):
            if isinstance(buffer, io.BytesIO):
                parts.append(buffer.getvalue())
        return b"".join(parts)


@contextmanager
def idle_timeout(request, seconds: int):
    """Under gunicorn, a body read that stays silent `seconds` fails, so that a phone that lost
    its network without closing the connection does not hold its upload's lock for ever."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        yield
        return
    previous = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield
    finally:
        try:
            sock.settimeout(previous)
        except OSError:  # the connection is already gone
            pass
