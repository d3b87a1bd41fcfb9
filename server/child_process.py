"""A helper child process owned by a worker, for work whose memory must not stay in the worker.

A gunicorn worker is long-lived and threaded: what a big job allocates (a 12 MP photo's pixels,
WeasyPrint's layout of a CJK document) is rarely given back to the system, so the worker keeps
it. Such jobs run in a child, `python -m <module>`, one at a time per worker; the child is
replaced after `max_jobs` jobs or once its memory passes `max_rss_mb`, and stopped after
`idle_seconds` without work, so that its memory goes back to the system with it. A child that
crashes or hangs on a hostile input costs that one job, never the worker.

The protocol, over the child's stdin/stdout: one JSON line per request; one JSON line per answer,
whose "sizes" ({name: n}) announce the blobs that follow it, in that order. `serve` is the
child's side of it.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .process_memory import rss_mb

ROOT_DIR = Path(__file__).resolve().parents[1]


class ChildFailed(OSError):
    """The child died, or did not answer in time, on this job."""


class ChildProcess:
    """The parent's handle on one child, shared by the worker's threads (one job at a time)."""

    answer_seconds = 30.0  # a child silent this long on a job is killed
    start_seconds = 60.0  # more for a child just started (its imports, on a loaded machine)

    def __init__(self, module: str, *args: str, max_jobs: int, max_rss_mb: int,
                 idle_seconds: float, reap_when_idle: bool = False) -> None:
        self.command = [sys.executable, "-m", module, *args]
        self.max_jobs, self.max_rss_mb, self.idle_seconds = max_jobs, max_rss_mb, idle_seconds
        self.reap_when_idle = reap_when_idle  # else the owner calls close_if_idle itself
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._jobs = 0
        self._last_used = time.monotonic()
        self.children_started = 0  # for tests and the bench

    def ask(self, request: dict, name: str) -> tuple[dict, dict[str, bytes]]:
        """Send one request and return the child's answer and its blobs; raises ChildFailed
        (`name` says what the job was) if the child dies or hangs on it."""
        line = json.dumps(request).encode() + b"\n"
        with self._lock:
            for attempt in (1, 2):  # a child that died since its last job is replaced once
                started = self.children_started
                child = self._running_child()
                try:
                    fresh = self.children_started != started
                    answer = self._exchange(child, line, self.start_seconds if fresh else 0)
                    break
                except (OSError, ValueError, TimeoutError) as exc:
                    self._stop_child()
                    gone_before = not isinstance(exc, TimeoutError) and self.children_started == started
                    if attempt == 2 or not gone_before:  # it died, or hung, on this very job
                        raise ChildFailed(f"{self.command[2]} child failed on {name}: {exc}") from exc
            self._jobs += 1
            self._last_used = time.monotonic()
            if self._jobs >= self.max_jobs or rss_mb(child.pid) > self.max_rss_mb:
                self._stop_child()  # its memory goes back to the system with it
        return answer

    def _exchange(self, child: subprocess.Popen, line: bytes, extra: float) -> tuple[dict, dict[str, bytes]]:
        child.stdin.write(line)
        child.stdin.flush()
        deadline = time.monotonic() + self.answer_seconds + extra
        answer = json.loads(self._answers.line(deadline))
        return answer, {k: self._answers.exactly(n, deadline) for k, n in answer.get("sizes", {}).items()}

    def close_if_idle(self) -> None:
        """Stop the child when it has had no work for idle_seconds."""
        with self._lock:
            if self._child and time.monotonic() - self._last_used > self.idle_seconds:
                self._stop_child()

    def close(self) -> None:
        """Stop the child (it exits on end of input)."""
        with self._lock:
            self._stop_child()

    @property
    def child_pid(self) -> int | None:
        """The running child's process id, if any."""
        return self._child.pid if self._child and self._child.poll() is None else None

    def _running_child(self) -> subprocess.Popen:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           cwd=ROOT_DIR)
            self._answers = _Answers(self._child.stdout.fileno())
            self._jobs = 0
            self._last_used = time.monotonic()
            self.children_started += 1
            if self.reap_when_idle:
                threading.Thread(target=self._reap, args=(self._child,), daemon=True,
                                 name=f"fieldcase-reaper-{self._child.pid}").start()
        return self._child

    def _reap(self, child: subprocess.Popen) -> None:
        """Close `child` once idle; ends when the child has gone, however it went."""
        while self._child is child and child.poll() is None:
            time.sleep(max(0.05, self.idle_seconds / 4))
            self.close_if_idle()

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        try:
            child.stdin.close()
            child.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()
        child.stdout.close()


class _Answers:
    """Reads the child's answers from its stdout pipe, never waiting longer than a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, bytearray()

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
            raise TimeoutError("no answer from the child")
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            raise OSError("the child exited")
        self.buffer += chunk

    def line(self, deadline: float) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            self._fill(deadline)
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return line

    def exactly(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            self._fill(deadline)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def serve(handle: Callable[[dict], tuple[dict, dict[str, bytes]]], stdin=None, stdout=None) -> None:
    """The child's loop: answer each request with handle(request) -> (answer, blobs) until end
    of input. A worker gone meanwhile (killed, recycled, stopped) leaves nobody to read the
    answer: the child then leaves quietly, with no traceback in the server's log."""
    stdin, stdout = stdin or sys.stdin.buffer, stdout or sys.stdout.buffer
    try:
        while line := stdin.readline():
            answer, blobs = handle(json.loads(line))
            answer = {**answer, "sizes": {name: len(blob) for name, blob in blobs.items()}}
            stdout.write(json.dumps(answer).encode() + b"\n" + b"".join(blobs.values()))
            stdout.flush()
    except (BrokenPipeError, KeyboardInterrupt):
        os._exit(0)
