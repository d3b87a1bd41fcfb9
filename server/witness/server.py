"""The witness's HTTP interface (http.server, one submission at a time):

    GET  /witness/key          its public key, and the key id of the log it watches
    GET  /witness/checkpoint   the newest checkpoint it co-signed, with its co-signature (404: none)
    POST /witness/checkpoints  {signed_text, signature, old_size, consistency_proof}
                               200: co-signed; 409: refused (rollback, fork, proof from the
                               wrong size); 403: not signed by the log's key; 400: malformed

Errors are problem details (RFC 9457). A refusal's answer carries the checkpoint the witness
holds (`witness_checkpoint`), so that the log can tell a stale submission from a rollback.

No login: what authenticates a submission is the log's signature on it. Anyone may replay an
old (genuinely signed) checkpoint, which is refused like a rollback and noted with the sender's
address; the log's own rollback shows as the log failing to get its newest checkpoint co-signed
and as `audit verify` finding that the log no longer holds what the witness remembers.
"""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .checks import Refused, public_view, witness_checkpoint
from .state import load_state

MAX_BODY = 64 * 1024  # a checkpoint and a proof of log2(n) hashes: a few kB
READ_TIMEOUT = 10  # seconds a client may stay silent mid-request

log = logging.getLogger("fieldcase.witness")


def make_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT
        server_version = "fieldcase-witness"

        def do_GET(self):
            if self.path == "/witness/key":
                return self._json(200, public_view(folder))
            if self.path == "/witness/checkpoint":
                latest = load_state(folder)["latest"]
                if latest is None:
                    return self._problem(Refused(404, "witness.empty", "no checkpoint co-signed yet"))
                return self._json(200, {**public_view(folder), **latest})
            return self._problem(Refused(404, "request.not_found", f"no such path {self.path}"))

        def do_POST(self):
            if self.path != "/witness/checkpoints":
                return self._problem(Refused(404, "request.not_found", f"no such path {self.path}"))
            length = self.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > MAX_BODY:
                return self._problem(Refused(413, "witness.bad_request", "body missing or too large"))
            try:
                submission = json.loads(self.rfile.read(int(length)))
            except (ValueError, OSError) as exc:
                return self._problem(Refused(400, "witness.bad_request", f"body is not JSON ({exc})"))
            with lock:
                try:
                    answer = witness_checkpoint(folder, submission if isinstance(submission, dict) else {},
                                                self.client_address[0])
                except Refused as refusal:
                    log.warning("refused: %s", refusal.detail)
                    return self._problem(refusal, witness_checkpoint=load_state(folder)["latest"])
            log.info("co-signed %s entries, root %s", answer["tree_size"], answer["root_hash"])
            return self._json(200, answer)

        def _problem(self, refusal: Refused, **extra):
            self._json(refusal.status, {"type": "about:blank", "status": refusal.status,
                                        "code": refusal.code, "title": refusal.code,
                                        "detail": refusal.detail, **extra},
                       "application/problem+json")

        def _json(self, status: int, body: dict, content_type: str = "application/json"):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            log.info("%s %s", self.address_string(), fmt % args)

    return ThreadingHTTPServer((host, port), Handler)
