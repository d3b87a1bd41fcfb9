"""`make run-cluster` (deploy/cluster.sh) as a user runs it: it prints the URL and the demo
accounts, serves through nginx from two app servers on PostgreSQL with SeaweedFS, keeps serving
when one app server is killed, and Ctrl-C stops every process it started."""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from .conftest import PASSWORD, ROOT
from .factories import overload_record, sync_body

pytestmark = pytest.mark.live

SCRIPT = ROOT / "deploy" / "cluster.sh"
# deploy/cluster.sh's ports, from PORT: nginx, the two app servers, SeaweedFS (and its gRPC ports).
OFFSETS = (0, 1, 2, 30, 31, 32, 33, 34, 10031, 10032, 10033, 10034, 10030)


def free_base() -> int:
    """A PORT whose every derived port is free now."""
    for _ in range(200):
        base = random.randrange(20000, 29000)
        try:
            for offset in OFFSETS:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")


def read_until(process: subprocess.Popen, pattern: str, lines: list[str], timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError("cluster.sh ended:\n" + "".join(lines[-40:]))
        lines.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no {pattern!r} in {timeout} s:\n" + "".join(lines[-40:]))


def descendants_alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()
            and "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()]


def session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == sid:
                    members.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return members


@pytest.fixture
def cluster_dir():
    """A folder the `postgres` user can reach (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-cluster-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_run_cluster_serves_from_two_app_servers_and_stops_on_ctrl_c(cluster_dir):
    tmp_path = cluster_dir
    base = free_base()
    env = {**os.environ, "PORT": str(base), "CLUSTER_DIR": str(tmp_path / "cluster"),
           "FIELDCASE_DEMO_PASSWORD": PASSWORD, "FIELDCASE_WORKERS": "1",
           "FIELDCASE_ARGON2_MEMORY_KIB": "1024", "FIELDCASE_ARGON2_TIME_COST": "1"}
    env.pop("FIELDCASE_DATABASE_URL", None)
    # Its own session, as a terminal runs it: Ctrl-C is SIGINT to the whole foreground group.
    script = subprocess.Popen([str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    started: list[int] = []
    try:
        url = read_until(script, r"FieldCase cluster: (http://\S+/)", lines, 300).group(1)
        assert url == f"http://127.0.0.1:{base}/"
        output = "".join(lines)
        assert re.search(r"officer1\s+" + re.escape(PASSWORD), output)  # the demo accounts
        apps = [int(read_until(script, r"app server \d: \S+, gunicorn pid (\d+)", lines, 10).group(1))
                for _ in range(2)]
        read_until(script, r"demo accounts:", lines, 10)
        started = session_members(script.pid) + apps + [
            int(p.read_text().split()[0]) for p in (tmp_path / "cluster").glob("**/postmaster.pid")]

        officer = requests.Session()
        answer = officer.post(url + "api/session", json={"username": "officer1", "password": PASSWORD},
                              timeout=60)
        assert answer.status_code == 200, answer.text
        officer.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        records = [overload_record() for _ in range(4)]
        for record in records:  # round-robin: both app servers answer
            synced = officer.post(url + "api/sync", json=sync_body(record), timeout=60)
            assert synced.json()["results"][0]["result"] == "created", synced.text
        logs = tmp_path / "cluster" / "logs"
        assert all("POST /api/sync" in (logs / f"app{i}.log").read_text() for i in (1, 2))

        os.kill(apps[0], signal.SIGKILL)  # one app server lost: nginx sends everything to the other
        for record in records:
            held = officer.get(url + f"api/inspections/{record['uuid']}", timeout=60)
            assert held.status_code == 200, held.text
        late = overload_record()
        assert officer.post(url + "api/sync", json=sync_body(late), timeout=60).status_code == 200

        os.killpg(script.pid, signal.SIGINT)  # Ctrl-C
        script.wait(timeout=120)
        rest = script.stdout.read()
        assert "FieldCase cluster: stopped" in rest, rest
        assert descendants_alive(started) == [], f"still running: {descendants_alive(started)}"
        assert not list((tmp_path / "cluster").glob("**/postmaster.pid"))  # PostgreSQL shut down
        for offset in (0, 1, 2, 30):  # nothing listens any more: nginx, app servers, S3
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", base + offset), timeout=5).close()
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGTERM)
            script.wait(timeout=120)
        for pid in descendants_alive(started):
            os.kill(pid, signal.SIGKILL)
