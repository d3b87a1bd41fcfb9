"""Chaos fixtures: the app under gunicorn behind a cutting proxy, a seeded random source whose
seed is printed (a failing run is reproduced with FIELDCASE_CHAOS_SEED), a size multiplier
(FIELDCASE_CHAOS_SCALE: 1 in `make test`, larger in a bench run), and a phone that sends
through the proxy and tells which cut points it aimed at."""
from __future__ import annotations

import os
import random

import pytest
import requests

from server.extensions import db

from ..evidence.conftest import create_inspection  # noqa: F401 (a fixture, for the upload tests)
from .proxy import CuttingProxy

CHAOS_SCALE = float(os.environ.get("FIELDCASE_CHAOS_SCALE", "1"))
CUT_KINDS = ("request_head", "request_body", "answer")


def scaled(count: int) -> int:
    """`count` times FIELDCASE_CHAOS_SCALE, at least 1."""
    return max(1, round(count * CHAOS_SCALE))


@pytest.fixture
def chaos_rng():
    """A seeded random.Random; the seed is printed, so pytest shows it when the test fails."""
    seed = int(os.environ.get("FIELDCASE_CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"chaos seed: FIELDCASE_CHAOS_SEED={seed} (scale {CHAOS_SCALE})")
    return random.Random(seed)


@pytest.fixture
def cutting_proxy(live_server):
    """A CuttingProxy in front of this test's gunicorn; stopped afterwards."""
    proxy = CuttingProxy(live_server.url).start()
    yield proxy
    proxy.stop()


class Phone:
    """A logged-in officer's requests.Session that reaches the app through the proxy, one
    connection per request (Connection: close), so that a cut armed for "the next connection"
    hits exactly the next request."""

    def __init__(self, session: requests.Session, proxy: CuttingProxy):
        self.session, self.proxy = session, proxy
        self.struck = False  # whether the cut armed for the last request struck
        session.headers["Connection"] = "close"

    def request_size(self, method: str, path: str, body: bytes = b"", headers=None) -> tuple[int, int]:
        """(length of the request head, of the whole request) as the session will send them."""
        prepared = self.session.prepare_request(requests.Request(
            method, self.proxy.url + path, data=body, headers=headers or {}))
        host = self.proxy.url.removeprefix("http://")
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in prepared.headers.items()) + "\r\n"
        return len(head.encode("latin-1")), len(head.encode("latin-1")) + len(body)

    def cut_point(self, rng: random.Random, kind: str, method: str, path: str, body: bytes = b"",
                  headers=None) -> dict:
        """Where to cut the next request of this shape: in its head, in its body (when it has
        one), or in the answer (the server has done its work)."""
        head, total = self.request_size(method, path, body, headers)
        if kind == "request_head":
            return {"upstream_bytes": rng.randrange(0, head)}
        if kind == "request_body":
            return {"upstream_bytes": rng.randrange(head, total)}
        return {"downstream_bytes": rng.randrange(0, 120)}  # answers' heads are longer

    def send(self, method: str, path: str, *, cut: dict | None = None, reset: bool = False,
             **kwargs):
        """The answer; None when the armed cut struck (`self.struck` tells) or the connection
        failed before the answer: armed, before its cut point, or a PATCH, armed or not, that the
        server answered early (e.g. 409, 423) and whose connection it closed while the body was
        still coming.

        A cut answer is lost even when `requests` returns something: cut after its status line,
        http.client takes the end of the stream for the end of the headers and of the body. A
        phone would not accept it either (the JSON does not parse, Upload-Offset is missing).
        The proxy records a cut before it closes the sockets, so `fired` is set by the time the
        client notices."""
        plan = self.proxy.cut_after(**cut, reset=reset) if cut else None
        try:
            answer = self.session.request(method, self.proxy.url + path, timeout=120, **kwargs)
        except requests.RequestException as error:
            # Unarmed too: a PATCH answered early (423 while a cut request still holds the upload,
            # 409) has its connection closed with the body still coming; the client sees a reset,
            # as a phone does, and asks HEAD where the upload stands.
            if plan is None and not (method == "PATCH" and isinstance(error, requests.ConnectionError)):
                raise
            answer = None
        self.struck = plan is not None and plan.fired.is_set()
        if plan is not None:
            self.proxy.disarm()  # a cut that did not strike must not hit the next request
        return None if self.struck else answer


@pytest.fixture
def create_live_inspection(live_server, create_inspection, personas):  # noqa: F811 (the fixture imported above)
    """create_inspection (tests/evidence) while gunicorn runs: the personas, detached when the
    server started, are attached to the session again first."""
    def make(*files, **kwargs):
        for user in personas.values():
            db.session.add(user)
        return create_inspection(*files, **kwargs)
    return make


@pytest.fixture
def phone_as(live_server, cutting_proxy):
    """Factory: a Phone logged in as a persona, sending through the cutting proxy."""
    return lambda username: Phone(live_server.login(username), cutting_proxy)
