"""The tus 1.0.0 wire protocol: request headers parsed strictly, answer headers built here.

Core, creation (with upload), expiration, checksum and termination (https://tus.io/protocols/resumable-upload).
Every refusal is an ApiError (problem+json) with the status the protocol prescribes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import datetime
from email.utils import format_datetime

from ..errors import ApiError

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,expiration,checksum,termination"
CHECKSUM_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
METADATA_MAX_CHARS = 4096
_UNSIGNED = re.compile(r"^[0-9]{1,19}$")
_METADATA_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def require_version(headers) -> None:
    """Every request but OPTIONS names the protocol version; 412 otherwise."""
    if headers.get("Tus-Resumable") != VERSION:
        raise ApiError("upload.tus_version", headers={"Tus-Version": VERSION})


def parse_length(value: str | None, max_bytes: int) -> int:
    """Upload-Length: a positive integer within the limit (413 over it)."""
    if value is None or not _UNSIGNED.match(value.strip()):
        raise ApiError("upload.length_invalid")
    length = int(value)
    if length > max_bytes:
        raise ApiError("upload.too_large", headers={"Tus-Max-Size": str(max_bytes)},
                       max_bytes=max_bytes)
    if length == 0:
        raise ApiError("upload.empty")
    return length


def parse_offset(value: str | None) -> int:
    """Upload-Offset: a non-negative integer."""
    if value is None or not _UNSIGNED.match(value.strip()):
        raise ApiError("upload.offset_invalid")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """Upload-Metadata: `key base64value` pairs separated by commas, values UTF-8."""
    if not value or len(value) > METADATA_MAX_CHARS:
        raise ApiError("upload.metadata_invalid")
    result: dict[str, str] = {}
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if not 1 <= len(parts) <= 2 or not _METADATA_KEY.match(parts[0]) or parts[0] in result:
            raise ApiError("upload.metadata_invalid", errors={"Upload-Metadata": "格式无效"})
        try:
            raw = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            result[parts[0]] = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("upload.metadata_invalid",
                           errors={parts[0]: "不是有效的 Base64 / UTF-8"}) from None
    return result


def encode_metadata(values: dict[str, str | None]) -> str:
    """The Upload-Metadata header for `values` (HEAD answers repeat what was declared)."""
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in values.items() if value is not None)


def parse_checksum(value: str | None):
    """Upload-Checksum `<algorithm> <base64 digest>` -> (hash object, expected digest) or None."""
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2 or parts[0] not in CHECKSUM_ALGORITHMS:
        raise ApiError("upload.checksum_invalid")
    hasher = CHECKSUM_ALGORITHMS[parts[0]]()
    try:
        expected = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise ApiError("upload.checksum_invalid") from None
    if len(expected) != hasher.digest_size:
        raise ApiError("upload.checksum_invalid")
    return hasher, expected


def require_offset_content_type(content_type: str | None) -> None:
    """PATCH bodies are application/offset+octet-stream; 415 otherwise."""
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise ApiError("upload.content_type")


def http_date(moment: datetime) -> str:
    """An RFC 9110 date, as Upload-Expires wants it."""
    return format_datetime(moment, usegmt=True)


def discovery_headers(max_bytes: int) -> dict[str, str]:
    """What OPTIONS advertises."""
    return {"Tus-Version": VERSION, "Tus-Extension": EXTENSIONS, "Tus-Max-Size": str(max_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS)}
