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
from werkzeug.http import is_resource_modified, parse_range_header
from werkzeug.wsgi import wrap_file

from .storage import LocalStore

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
    _ignore_ranges_not_served()
    if path is None:
        response = _remote_response(store, key, media_type)
    else:
        response = send_file(path, mimetype=media_type, conditional=True, etag=key, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(name, attachment=attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = (f"private, max-age={cache_seconds}" if cache_seconds
                                         else "private, no-cache")
    return response


def _remote_response(store, key: str, media_type: str) -> Response:
    """A file of a remote store (S3): 304, 416, 206 with only the asked bytes fetched, or 200;
    the body streams from the store as the client reads it (memory stays flat)."""
    size = store.size(key)
    if not is_resource_modified(request.environ, etag=key):
        response = Response(status=304)
        response.set_etag(key)
        return response
    if_range = request.headers.get("If-Range")
    asked = None if if_range and if_range.strip('"') != key else request.range  # stale: all
    bounds = asked.range_for_length(size) if asked is not None else None
    if asked is not None and bounds is None:
        response = Response(status=416, headers={"Content-Range": f"bytes */{size}"})
        return response
    first, end = bounds if bounds else (0, size)
    stream = store.open(key, (first, end - 1) if bounds else None)
    response = Response(wrap_file(request.environ, stream), mimetype=media_type,
                        direct_passthrough=True, status=206 if bounds else 200)
    response.content_length = end - first
    if bounds:
        response.headers["Content-Range"] = f"bytes {first}-{end - 1}/{size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.set_etag(key)
    return response
