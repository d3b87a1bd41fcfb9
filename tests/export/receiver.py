"""A real webhook receiver on loopback (http.server in a thread), as the provincial platform
would run one: it verifies each delivery's signature by the algorithm docs/export.md documents
(written here from the documentation, not imported from the sender), deduplicates by
`webhook-id`, and misbehaves on cue: answers 500, answers too late, or takes the event and
drops the connection before answering (so the sender retries what was already received).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify_signature(secret: str, message_id: str, timestamp: str, body: bytes, header: str) -> bool:
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part.startswith("v1,") and hmac.compare_digest(part[3:], expected)
               for part in header.split(" "))


class Receiver:
    """`plan(event_id)` -> the behaviours for that event's successive requests ("ok", "fail",
    "slow": take it but answer after the sender's timeout, "drop": take it, close without an
    answer); after its plan is used up an event is answered "ok"."""

    def __init__(self, secret: str = "", slow_seconds: float = 2.0, pause: float = 0.0):
        self.secret = secret
        self.slow_seconds = slow_seconds
        self.pause = pause
        self.plans: dict[str, list[str]] = {}
        self.default_plan: list[str] = []
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # every request, as received
        self.accepted: dict[str, dict] = {}  # event id -> the event, first time taken (dedup)
        self.bad_signatures: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fieldcase"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _next_behaviour(self, event_id: str) -> str:
        with self.lock:
            plan = self.plans.setdefault(event_id, list(self.default_plan))
            return plan.pop(0) if plan else "ok"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        message_id = headers.get("webhook-id", "")
        signed_ok = (verify_signature(self.secret, message_id, headers.get("webhook-timestamp", ""),
                                      body, headers.get("webhook-signature", ""))
                     and abs(time.time() - int(headers["webhook-timestamp"])) <= TOLERANCE_SECONDS)
        behaviour = self._next_behaviour(message_id)
        with self.lock:
            self.requests.append({"id": message_id, "behaviour": behaviour, "signed": signed_ok,
                                  "at": time.monotonic()})
            if not signed_ok:
                self.bad_signatures.append(message_id)
        if self.pause:
            time.sleep(self.pause)
        if not signed_ok:
            return self._answer(handler, 401)
        if behaviour == "fail":
            return self._answer(handler, 500)
        event = json.loads(body)
        assert event["id"] == message_id
        with self.lock:
            self.accepted.setdefault(message_id, event)  # dedup by the idempotency key
        if behaviour == "slow":
            time.sleep(self.slow_seconds)
        if behaviour == "drop":
            handler.close_connection = True
            handler.wfile.flush()
            handler.connection.shutdown(2)  # SHUT_RDWR: the sender sees no answer at all
            return None
        return self._answer(handler, 204)

    @staticmethod
    def _answer(handler, status: int) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass  # the sender gave up waiting (timeout)

    def received(self, event_id: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r["id"] == event_id)
