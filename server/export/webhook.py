"""One webhook request, signed as Standard Webhooks 1.0 says (docs/export.md "Push"):

    webhook-id:        the event id (the idempotency key: the same on every retry)
    webhook-timestamp: the attempt's time, integer Unix seconds
    webhook-signature: "v1," + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}"))

where the secret is the endpoint's `whsec_…` string without its prefix, base64-decoded, and body
is the exact bytes sent (minified UTF-8 JSON). Only a 2xx answer is a delivery; redirects are not
followed (a failure, as the spec advises).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

USER_AGENT = "FieldCase-Export/1"


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers, body: bytes) -> bool:
    """What a receiver does (also used by the tests' receiver): any v1 signature that matches."""
    expected = sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    return any(hmac.compare_digest(expected, sent)
               for sent in headers.get("webhook-signature", "").split(" "))


def body_of(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    retry_after: int | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, secret: str, event: dict, timestamp: int, timeout: float) -> Outcome:
    """POST one event; any answer but 2xx, a timeout or a cut connection is a failure."""
    body = body_of(event)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "webhook-id": event["id"], "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event["id"], timestamp, body)})
    try:
        with _opener.open(request, timeout=timeout) as answer:
            answer.read(65536)
            return Outcome(200 <= answer.status < 300, answer.status)
    except urllib.error.HTTPError as answer:
        retry_after = answer.headers.get("Retry-After", "")
        return Outcome(False, answer.code, f"HTTP {answer.code}",
                       int(retry_after) if retry_after.isdigit() else None)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timed out, cut
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")
