"""A TCP proxy on loopback that cuts connections where a test chooses: the bad link of a phone.

    proxy = CuttingProxy(server.url).start()
    cut = proxy.cut_after(upstream_bytes=120)     # the next connection: 120 bytes reach the app
    requests.post(proxy.url + "/api/sync", ...)   # -> ConnectionError; cut.fired.is_set()
    proxy.stop()

`upstream_bytes=N` forwards the first N bytes the client sends and closes both sides when byte
N + 1 arrives (the request is cut before it was read whole: in its headers or mid-body);
`downstream_bytes=N` does the same with the answer (the server did its work, the client never
learns the result: with N = 0 it is cut as the first byte of the answer arrives). `reset=True`
closes with RST instead of FIN. A plan applies to the next connection(s) accepted, in order.
`sever()` cuts every connection open now (a browser's keep-alive connections too, which no plan
can aim at), and `down = True` resets each new connection at once, until `down = False`.
Everything is bounded: the connections open at once (more are refused), each link's silence
(`idle_seconds`), and stop() ends every link within a select() tick.
"""
from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BLOCK = 64 * 1024


@dataclass
class Cut:
    """Where one connection is to be cut, and what happened to it."""

    upstream_bytes: int | None = None
    downstream_bytes: int | None = None
    reset: bool = False  # close with RST (SO_LINGER 0) rather than FIN
    fired: threading.Event = field(default_factory=threading.Event)
    sent_up: int = 0  # bytes forwarded client -> server on the connection
    sent_down: int = 0  # bytes forwarded server -> client

    def limit(self, upstream: bool) -> int | None:
        """The byte limit of one direction; None: not cut."""
        return self.upstream_bytes if upstream else self.downstream_bytes


class _Link:
    """One client connection and its connection to the upstream, pumped by one thread.

    One thread owns both sockets: a socket closed by another thread while this one waits on it
    could have its descriptor reused by a new connection, and the wait would go on there."""

    def __init__(self, client: socket.socket, server: socket.socket, cut: Cut,
                 stopping: threading.Event, idle_seconds: float):
        self.client, self.server, self.cut = client, server, cut
        self.stopping, self.idle_seconds = stopping, idle_seconds
        self.severed = threading.Event()  # set by CuttingProxy.sever(): close with RST now

    def run(self) -> None:
        cut = False
        selector = selectors.DefaultSelector()
        selector.register(self.client, selectors.EVENT_READ, True)  # True: upstream
        selector.register(self.server, selectors.EVENT_READ, False)
        sent = {True: 0, False: 0}
        open_directions, last_seen = 2, time.monotonic()
        try:
            while open_directions and not cut and not self.stopping.is_set() and not self.severed.is_set():
                events = selector.select(timeout=0.05)
                if not events:
                    if time.monotonic() - last_seen > self.idle_seconds:
                        return
                    continue
                last_seen = time.monotonic()
                for key, _ in events:
                    upstream = key.data
                    source, target = (self.client, self.server) if upstream else (self.server, self.client)
                    data = source.recv(BLOCK)
                    if not data:  # a half-close: pass it on
                        selector.unregister(source)
                        target.shutdown(socket.SHUT_WR)
                        open_directions -= 1
                        continue
                    limit = self.cut.limit(upstream)
                    cut = limit is not None and sent[upstream] + len(data) > limit
                    if cut:  # byte limit + 1 arrived: forward up to the limit, then cut
                        data = data[:limit - sent[upstream]]
                    target.sendall(data)
                    sent[upstream] += len(data)
                    self.cut.sent_up, self.cut.sent_down = sent[True], sent[False]
                    if cut:
                        self.cut.fired.set()  # before the sockets close: whoever sees it finds it
                        break
        except OSError:  # a side went away or timed out: the link ends
            pass
        finally:
            selector.close()
            for sock in (self.client, self.server):
                if (cut and self.cut.reset) or self.severed.is_set():
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    except OSError:
                        pass
                sock.close()


class CuttingProxy:
    """Listens on 127.0.0.1 (a free port), forwards every connection to `upstream_url`, and cuts
    the connections a test arms with `cut_after`."""

    def __init__(self, upstream_url: str, *, max_connections: int = 32, idle_seconds: float = 60):
        parts = urlsplit(upstream_url)
        if parts.hostname != "127.0.0.1":
            raise ValueError("the proxy forwards to loopback only")
        self.upstream = (parts.hostname, parts.port)
        self.idle_seconds = idle_seconds
        self._slots = threading.BoundedSemaphore(max_connections)
        self._plans: deque[Cut] = deque()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self.accepted = 0
        self.history: deque[Cut] = deque(maxlen=1000)  # the latest connections, cut or not
        self.down = False  # while True, each new connection is reset at once (the link is down)
        self._links: set[_Link] = set()
        self.url = ""

    def start(self) -> CuttingProxy:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so that the accept loop sees stop()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._spawn(self._accept_loop)
        return self

    def cut_after(self, *, upstream_bytes: int | None = None, downstream_bytes: int | None = None,
                  reset: bool = False, connections: int = 1) -> list[Cut] | Cut:
        """Arm a cut for the next `connections` connections; returns the plan (one, or a list)."""
        if (upstream_bytes is None) == (downstream_bytes is None):
            raise ValueError("cut either upstream or downstream")
        plans = [Cut(upstream_bytes, downstream_bytes, reset) for _ in range(connections)]
        with self._lock:
            self._plans.extend(plans)
        return plans[0] if connections == 1 else plans

    def disarm(self) -> None:
        """Forget the cuts no connection has taken yet."""
        with self._lock:
            self._plans.clear()

    def sever(self) -> int:
        """Cut every connection open now, with RST; returns how many there were."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.severed.set()
        return len(links)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:  # each sees `_stopping` within 0.05 s and closes its sockets
            thread.join(timeout=5)

    def __enter__(self) -> CuttingProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _accept_loop(self) -> None:
        with self._listener:  # closed by this thread, never under an accept() of another
            while not self._stopping.is_set():
                try:
                    client, _ = self._listener.accept()
                except TimeoutError:
                    continue
                if self.down:  # the link is down: the connection is reset at once
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    client.close()
                    continue
                if not self._slots.acquire(blocking=False):
                    client.close()  # too many connections open at once
                    continue
                self.accepted += 1
                self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        try:
            with self._lock:
                plan = self._plans.popleft() if self._plans else Cut()
                self.history.append(plan)
            try:
                server = socket.create_connection(self.upstream, timeout=self.idle_seconds)
            except OSError:
                client.close()
                return
            client.settimeout(self.idle_seconds)  # bounds sendall() to a client that stopped reading
            link = _Link(client, server, plan, self._stopping, self.idle_seconds)
            with self._lock:
                self._links.add(link)
            try:
                link.run()
            finally:
                with self._lock:
                    self._links.discard(link)
        finally:
            self._slots.release()
