"""Sending evidence files to a browser safely, and the file names shown for them.

Range requests for one byte range are served (206); any other Range is ignored (200).

A stored file is sent with the type sniffed from its bytes, `nosniff`, a sandboxing CSP (a JPEG
with a script appended can never run as a page), and a Content-Disposition built here (RFC 6266:
an ASCII fallback and `filename*`). File names from phones are display metadata only, cleaned.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, request, send_file
from werkzeug.http import parse_range_header

from .storage import LocalStore, StorageError

FILENAME_MAX_CHARS = 100
SANDBOX_CSP = "default-src 'none'; sandbox"
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_filename(raw: str | None) -> str | None:
    """A display name: no folders, no control or bidi characters, at most 100 characters."""
    if not raw:
        return None
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name
                   if ch == " " or unicodedata.category(ch)[0] not in ("C", "Z"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > FILENAME_MAX_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:FILENAME_MAX_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:FILENAME_MAX_CHARS]
    return name or None


def download_name(display_name: str | None, fallback_stem: str, extension: str,
                  variant: str | None = None) -> str:
    """The name a browser saves the file under, always ending with the real type's extension."""
    name = display_name or fallback_stem
    stem = name[: -len(extension) - 1] if name.lower().endswith("." + extension) else name
    if variant:
        return f"{stem}-{variant}.jpg"
    return f"{stem}.{extension}"


def content_disposition(name: str, *, attachment: bool) -> str:
    """RFC 6266 header value: a plain ASCII `filename` and the exact UTF-8 `filename*`."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ascii_ext = _ascii(ext)
    ascii_name = (_ascii(stem) or "evidence") + ("." + ascii_ext if ascii_ext else "")
    disposition = "attachment" if attachment else "inline"
    return (f'{disposition}; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ASCII_SAFE.sub("_", plain).strip("._")


def _ignore_ranges_not_served() -> None:
    """RFC 9110 §14.2: a Range of a unit other than bytes is ignored, and so (as allowed) is a
    request for several ranges: the whole file is sent (200), where werkzeug would answer 416.
    A single byte range is served, or refused (416) when it lies beyond the file."""
    asked = parse_range_header(request.headers.get("Range"))
    if asked is not None and (asked.units.lower() != "bytes" or len(asked.ranges) != 1):
        request.environ.pop("HTTP_RANGE", None)
        request.environ.pop("HTTP_IF_RANGE", None)  # (request.headers reads the environ)


def file_response(store: LocalStore, key: str, *, media_type: str, name: str,
                  attachment: bool, cache_seconds: int = 0) -> Response:
    """A stored file as a response: Range and conditional requests, safe headers."""
    path = store.local_path(key)
    if path is None:
        # A remote backend would redirect to a short-lived signed URL here instead.
        raise StorageError(f"{key} is not on the local disk")
    _ignore_ranges_not_served()
    response = send_file(path, mimetype=media_type, conditional=True, etag=key, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(name, attachment=attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = (f"private, max-age={cache_seconds}" if cache_seconds
                                         else "private, no-cache")
    return response
