"""Chaos plumbing: gunicorn's processes found through /proc and killed with SIGKILL, a gunicorn
restarted where its clients expect it, and a phone-like HTTP client that retries until the server
answers (as the PWA's outbox and tus-js-client do).
"""
from __future__ import annotations

import base64
import hashlib
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ..conftest import PASSWORD, LiveServer, start_gunicorn

TUS = {"Tus-Resumable": "1.0.0"}
# What a killed worker or a restarting server looks like from the client's side.
NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


# --- processes ------------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers when `pid` is the master)."""
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(p) for p in listed if is_alive(int(p))]


def is_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not reaped, counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


def serving(pid: int) -> bool:
    """True once a gunicorn worker has loaded the app and entered its request loop: from then on
    it stamps its heartbeat file (an unlinked `wgunicorn-*`) with the monotonic clock, far below
    the wall-clock time the master created it at."""
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            path = f"/proc/{pid}/fd/{fd}"
            if "wgunicorn-" in os.readlink(path):
                return os.stat(path).st_mtime < time.time() / 2
    except (FileNotFoundError, ProcessLookupError):
        pass
    return False


def kill9(pid: int) -> None:
    _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def wait_until(condition, timeout: float, what: str, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(step)


class Gunicorn:
    """A gunicorn whose workers and master can be killed; restarts on the same port, database and
    storage, each run logging to its own file (`logs`)."""

    def __init__(self, database_url: str, storage: Path, log_dir: Path, workers: int,
                 settings: dict | None = None, name: str = "gunicorn"):
        self.database_url, self.storage, self.log_dir, self.workers = database_url, storage, log_dir, workers
        self.settings = settings or {}  # extra FIELDCASE_* settings, without the prefix
        self.name = name  # of its log files: several servers may share log_dir
        self.logs: list[Path] = []
        self.server: LiveServer | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_dir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        self.server = start_gunicorn(self.database_url, self.storage, log, workers=self.workers,
                                     port=self.port, extra_env={
                                         f"FIELDCASE_{k}": str(v) for k, v in self.settings.items()})
        self.port = int(self.server.url.rsplit(":", 1)[1])
        self.wait_serving()

    def wait_serving(self) -> None:
        """Until every worker serves: a kill then never leaves the server without one."""
        wait_until(lambda: len(pids := self.worker_pids()) == self.workers and all(map(serving, pids)),
                   60, "gunicorn's workers serve")

    def worker_pids(self) -> list[int]:
        return children(self.server.process.pid)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker and wait until its replacement serves."""
        kill9(pid)
        wait_until(lambda: pid not in self.worker_pids(), 30, f"gunicorn noticed worker {pid} died")
        self.wait_serving()

    def kill_master_and_restart(self) -> None:
        """SIGKILL the master and its workers (a machine's process table wiped), then start again."""
        self.kill_master()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP the master and its workers: a request it holds stays held (kill or thaw next)."""
        for pid in (*self.worker_pids(), self.server.process.pid):
            _signal(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in (self.server.process.pid, *self.worker_pids()):
            _signal(pid, signal.SIGCONT)

    def kill_master(self) -> None:
        """SIGKILL the master and its workers, and wait until they are gone (a lost machine)."""
        workers = self.worker_pids()
        kill9(self.server.process.pid)
        for pid in workers:
            kill9(pid)
        self.server.process.wait(timeout=30)
        wait_until(lambda: not any(is_alive(pid) for pid in workers), 30, "the workers died")

    def stop(self) -> None:
        if self.server is None:
            return
        master = self.server.process
        workers = self.worker_pids()
        master.terminate()
        try:
            master.wait(timeout=30)
        except Exception:  # noqa: BLE001 - whatever happened, leave nothing running
            master.kill()
            master.wait(timeout=30)
        for pid in workers:
            kill9(pid)

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs if log.exists())


# --- a phone ---------------------------------------------------------------------------------------

def from_proxy(response: requests.Response) -> bool:
    """An answer nginx made itself, never the app's (which are problem+json): 502 (the app server
    died mid-request), 504, or 503 (deploy/nginx's limit on concurrent PATCHes). Asked again."""
    return (response.status_code in (502, 503, 504)
            and "problem+json" not in response.headers.get("Content-Type", ""))


class RetryingPhone:
    """One officer's phone: asks again until the server answers, logs in again when its session
    is gone, and remembers every 5xx (which a server must never answer, killed or not)."""

    def __init__(self, url: str, username: str, deadline: float, progress=None, give_up=None):
        self.url, self.username, self.deadline = url, username, deadline
        self.give_up = give_up or (lambda: False)  # e.g. another thread of the test failed
        self.session = requests.Session()
        self.server_errors: list[str] = []
        self.unanswered = 0  # requests that got no answer (connection cut, refused)
        self.completions_resumed = 0  # empty PATCHes sent to finish an upload the server held whole
        self.progress = progress or (lambda: None)  # called on every answer

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """The server's answer (not 5xx, not 401), asking again after a pause while there is none."""
        pause = 0.05
        while True:
            if time.monotonic() > self.deadline or self.give_up():
                raise AssertionError(f"{self.username}: no answer to {method} {path} (gave up)")
            try:
                if "X-CSRF-Token" not in self.session.headers and path != "/api/session":
                    self.login()
                response = self.session.request(method, self.url + path, timeout=120, **kwargs)
            except NO_ANSWER:
                self.unanswered += 1
            else:
                if from_proxy(response):  # nginx in front: its app server died mid-request, or busy
                    self.unanswered += response.status_code != 503
                    time.sleep(pause)
                    pause = min(pause * 2, 1.0)
                    continue
                self.progress()
                if response.status_code >= 500:
                    self.server_errors.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
                elif response.status_code == 401 and path != "/api/session":
                    self.session.headers.pop("X-CSRF-Token", None)  # log in again, then ask again
                    continue
                else:
                    return response
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def login(self) -> None:
        response = self.request("POST", "/api/session",
                                json={"username": self.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.session.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    def sync(self, body: dict) -> list[dict]:
        """POST /api/sync until answered; the per-record results."""
        response = self.request("POST", "/api/sync", json=body)
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def upload(self, inspection_uuid: str, evidence_uuid: str, data: bytes, chunk: int) -> str:
        """Upload a listed file with tus, resuming after every cut, until the server confirms it
        received the whole file (204 with X-Evidence-Status: received). Returns the SHA-256 the
        server reports."""
        sha256 = hashlib.sha256(data).hexdigest()
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
            "inspection_uuid": inspection_uuid, "evidence_uuid": evidence_uuid,
            "sha256": sha256, "filename": f"{evidence_uuid}.jpg"}.items())
        location, offset = None, None
        for _ in range(1000):
            if location is None:
                created = self.request("POST", "/api/uploads", headers={
                    **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata})
                assert created.status_code == 201, created.text
                location, offset = urlsplit(created.headers["Location"]).path, 0
            if offset is None:  # after a cut: ask where the server stands
                head = self.request("HEAD", location, headers=TUS)
                if head.status_code in (404, 410):
                    location = None
                    continue
                assert head.status_code == 200, head.status_code
                offset = int(head.headers["Upload-Offset"])
            # At the full length but not yet confirmed, an empty PATCH makes the server finish
            # recording the file (or repeat that it did). A cut PATCH is sent again as it was: a
            # 409 then tells that some of it was kept.
            self.completions_resumed += offset == len(data)
            answer = self.request("PATCH", location, data=data[offset:offset + chunk], headers={
                **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            if answer.status_code == 204:
                offset = int(answer.headers["Upload-Offset"])
                if answer.headers.get("X-Evidence-Status") == "received":
                    assert offset == len(data), offset
                    return answer.headers["X-Evidence-SHA256"]
            elif answer.status_code in (404, 410):  # gone (expired, or completed meanwhile): ask again
                location, offset = None, None
            elif answer.status_code in (409, 423):  # the offset moved on, or a dying request holds it
                offset = None
                time.sleep(0.1)
            else:
                raise AssertionError(f"PATCH {location}: {answer.status_code} {answer.text[:300]}")
        raise AssertionError(f"{self.username}: upload of {evidence_uuid} did not finish")
