"""The cutting proxy itself, against a plain loopback server: it cuts at exactly the byte asked
for in either direction, with FIN or RST, passes other connections through whole, bounds the
connections open at once, and closes everything on stop()."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from .conftest import Phone
from .proxy import CuttingProxy

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\nConnection: close\r\n\r\n" + b"a" * 400


class Upstream:
    """A loopback server that reads a request (`expect` bytes, or until EOF), keeps what came,
    and answers ANSWER."""

    def __init__(self, expect: int):
        self.expect, self.received = expect, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        with self.listener:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                try:
                    while len(data) < self.expect and (block := conn.recv(65536)):
                        data += block
                    self.received.append(data)
                    if len(data) == self.expect:
                        conn.sendall(ANSWER)
                except OSError:
                    self.received.append(data)

    def join(self) -> bytes:
        self.thread.join(timeout=10)
        return self.received[0]


def read_all(sock: socket.socket) -> tuple[bytes, bool]:
    """What arrives until the connection ends, and whether it ended with a reset."""
    data = b""
    try:
        while block := sock.recv(65536):
            data += block
    except ConnectionResetError:
        return data, True
    return data, False


@pytest.mark.parametrize("reset", [False, True])
@pytest.mark.parametrize("upstream_bytes", [0, 517, 999])
def test_a_request_is_cut_after_exactly_the_bytes_asked(upstream_bytes, reset):
    upstream = Upstream(expect=1000)
    with CuttingProxy(upstream.url) as proxy:
        cut = proxy.cut_after(upstream_bytes=upstream_bytes, reset=reset)
        with socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1])), timeout=10) as s:
            s.sendall(bytes(range(256)) * 3 + bytes(232))
            answer, was_reset = read_all(s)
        assert upstream.join() == (bytes(range(256)) * 3 + bytes(232))[:upstream_bytes]
        assert answer == b"" and was_reset == reset
        assert cut.fired.is_set() and cut.sent_up == upstream_bytes


@pytest.mark.parametrize("reset", [False, True])
@pytest.mark.parametrize("downstream_bytes", [0, len(ANSWER) - 1])
def test_an_answer_is_cut_after_the_request_arrived_whole(downstream_bytes, reset):
    upstream = Upstream(expect=1000)
    with CuttingProxy(upstream.url) as proxy:
        cut = proxy.cut_after(downstream_bytes=downstream_bytes, reset=reset)
        with socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1])), timeout=10) as s:
            s.sendall(b"x" * 1000)
            answer, was_reset = read_all(s)
        assert upstream.join() == b"x" * 1000  # the server got everything and answered
        assert was_reset == reset
        assert answer == ANSWER[:downstream_bytes] or (reset and ANSWER[:downstream_bytes].startswith(answer))
        assert cut.fired.is_set() and (cut.sent_up, cut.sent_down) == (1000, downstream_bytes)


def test_uncut_connections_pass_whole_and_the_phone_knows_its_request_sizes():
    upstream = Upstream(expect=10**9)  # reads until the request is cut... or to the end below
    with CuttingProxy(upstream.url) as proxy:
        phone = Phone(requests.Session(), proxy)
        body = "证据".encode() * 300
        head, total = phone.request_size("POST", "/api/sync", body, {"Content-Type": "application/json"})
        cut = proxy.cut_after(upstream_bytes=total)  # the request is forwarded whole; nothing more comes

        def send():
            try:
                phone.session.post(proxy.url + "/api/sync", data=body, timeout=5,
                                   headers={"Content-Type": "application/json"})
            except requests.RequestException:  # no answer comes: the upstream only listens
                pass

        threading.Thread(target=send, daemon=True).start()
        assert not cut.fired.wait(1)
    received = upstream.join()  # stop() closed the link: the upstream saw the end
    assert len(received) == total and received.endswith(b"\r\n\r\n" + body)
    assert received.index(b"\r\n\r\n") + 4 == head


def test_connections_are_bounded_and_closed_on_stop():
    upstream = Upstream(expect=10**9)
    proxy = CuttingProxy(upstream.url, max_connections=1).start()
    port = int(proxy.url.rsplit(":", 1)[1])
    first = socket.create_connection(("127.0.0.1", port), timeout=10)
    first.sendall(b"held open")
    deadline = time.monotonic() + 10
    while not (proxy.history and proxy.history[0].sent_up == 9) and time.monotonic() < deadline:
        time.sleep(0.01)
    second = socket.create_connection(("127.0.0.1", port), timeout=10)
    assert read_all(second)[0] == b""  # refused: one connection at a time
    proxy.stop()
    assert read_all(first)[0] == b""  # stop() closed the open one
    assert upstream.join() == b"held open"
    assert not any(t.is_alive() for t in proxy._threads)
    first.close()
    second.close()
