"""A real witness process (`python -m server.witness`) on loopback, watching the test app's log."""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ..conftest import ROOT, free_port


@dataclass
class Witness:
    url: str
    key_hex: str
    key_id: str
    process: subprocess.Popen
    state_dir: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def start_witness(state_dir: Path, log_key_hex: str, log: Path, port: int | None = None) -> Witness:
    """Initialise (first time) and serve a witness; waits until it answers."""
    run = [sys.executable, "-m", "server.witness", "--state-dir", str(state_dir)]
    if not (state_dir / "state.json").exists():
        subprocess.run([*run, "init", "--log-key", log_key_hex], cwd=ROOT, check=True,
                       capture_output=True, timeout=30)
    port = port or free_port()
    process = subprocess.Popen([*run, "serve", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                               stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            key = requests.get(url + "/witness/key", timeout=5).json()
            return Witness(url, key["public_key_hex"], key["key_id"], process, state_dir)
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the witness did not answer: {log.read_text()}")


@pytest.fixture
def witness(app, tmp_path):
    """A witness watching this app's log key, configured in the app; stopped afterwards."""
    from server.audit import signing

    log_key = signing.public_key_raw(signing.signing_key().public_key()).hex()
    running = start_witness(tmp_path / "witness", log_key, tmp_path / "witness.log")
    app.config.update(WITNESS_URL=running.url, WITNESS_KEY=running.key_hex)
    yield running
    running.stop()
