"""The app under a real gunicorn on loopback, as `make run` serves it: started on a free port with
its own database and storage, stopped with SIGTERM (SIGKILL if it hangs)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from . import FAST_HASHING, PASSWORD, ROOT
from .accounts import login_session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen, log: Path):
        self.url, self.process, self.log = url, process, log

    def session(self) -> requests.Session:
        return requests.Session()

    def login(self, username: str, password: str = PASSWORD) -> requests.Session:
        return login_session(self.url, username, password)


def start_gunicorn(database_url: str, storage_dir: Path, log: Path, workers: int = 2,
                   extra_env: dict | None = None, port: int | None = None,
                   root: Path = ROOT) -> LiveServer:
    """gunicorn serving the app on loopback; `port` to restart it where clients expect it;
    `root`: another checkout of FieldCase to serve (a bench's before/after)."""
    if os.environ.get("FIELDCASE_TEST_FAST"):  # make test-fast: every test that gets here is marked
        raise RuntimeError("this test starts gunicorn but is not marked: add pytest.mark.live "
                           "(make test-fast leaves out browser, live, chaos and bench tests)")
    port = port or free_port()
    env = {**os.environ, "FIELDCASE_DATABASE_URL": database_url,
           "FIELDCASE_STORAGE_DIR": str(storage_dir), "FIELDCASE_BIND": f"127.0.0.1:{port}",
           "FIELDCASE_WORKERS": str(workers), **{f"FIELDCASE_{k}": str(v) for k, v in FAST_HASHING.items()},
           **(extra_env or {})}
    out = open(log, "wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a loaded CI machine boots slowly; unloaded it takes ~3 s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=10).status_code == 200:
                return LiveServer(url, process, log)
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer in 60 s: {log.read_text()[-3000:]}")


def worker_pids(log: str) -> list[int]:
    """The process ids of the workers gunicorn booted, in order, from its log's text."""
    return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log)]


def stop_gunicorn(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextmanager
def gunicorns(database_url: str, storage_dir: Path, logs: Path) -> Iterator[Callable[..., LiveServer]]:
    """A starter of gunicorns on one database and storage, each with its own extra settings
    (`start(TRUSTED_PROXIES=1)` sets FIELDCASE_TRUSTED_PROXIES) and log in `logs`; every one
    started is stopped at the end."""
    servers: list[LiveServer] = []

    def start(**settings) -> LiveServer:
        server = start_gunicorn(database_url, storage_dir, logs / f"gunicorn{len(servers)}.log",
                                extra_env={f"FIELDCASE_{k}": str(v) for k, v in settings.items()})
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            stop_gunicorn(server)
