"""The peer: pouchdb-server, the offline-sync server a PWA team would pick instead of FieldCase,
run through the same workloads as bench/sync.py and bench/upload.py.

    .venv/bin/python -m bench.peer [--records 10000] [--single 1600] [--photos 40]

It is installed from the npm registry at a pinned version into a temporary folder, started on
127.0.0.1 with its LevelDB in that folder, and stopped and removed afterwards. Workloads: the same
3 KB inspection records posted to `/_bulk_docs` in batches of 50 from 4 connections, then one per
request (`PUT /db/<uuid>`) from 16 connections; the same 1.8 MB photos stored one after another as
attachments (`PUT /db/<doc>/<name>`). Note for reading the figures: LevelDB (leveldown) writes
without fsync unless asked and PouchDB never asks, while FieldCase commits every write durably.
When node, npm or the registry is missing, `PeerUnavailable` says why and `bench.all` goes on.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.harness import MB, drive_sync

PACKAGE = "pouchdb-server@4.2.0"  # latest release; installs and runs on node 20 (leveldown prebuilt)
INSTALL_SECONDS = 600
DATABASE = "bench"


class PeerUnavailable(Exception):
    """The peer could not be installed or started; the message says why."""


def install(folder: Path) -> Path:
    """`npm install` of the pinned package into `folder`; the path of its executable."""
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise PeerUnavailable("node/npm not found")
    try:
        done = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                               "--no-save", "--loglevel=error", PACKAGE],
                              capture_output=True, text=True, timeout=INSTALL_SECONDS)
    except subprocess.TimeoutExpired:
        raise PeerUnavailable(f"npm install {PACKAGE} took over {INSTALL_SECONDS} s") from None
    executable = folder / "node_modules" / ".bin" / "pouchdb-server"
    if done.returncode != 0 or not executable.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PeerUnavailable(f"npm install {PACKAGE} failed: {last[:200]}")
    return executable


@contextmanager
def running_peer(folder: Path):
    """pouchdb-server installed in `folder` and listening on a loopback port: yields its URL."""
    executable = install(folder)
    data = folder / "data"
    data.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "pouchdb-server.out"
    # cwd: it writes its log.txt to the working folder
    process = subprocess.Popen([str(executable), "--host", "127.0.0.1", "--port", str(port),
                                "--dir", str(data), "--config", str(data / "config.json"),
                                "--no-stdout-logs", "--no-color"],
                               cwd=folder, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise PeerUnavailable(f"pouchdb-server exited: {log.read_text()[-300:]}")
            try:
                if requests.get(url + "/", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise PeerUnavailable("pouchdb-server did not answer in 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _document(record: dict) -> dict:
    return {"_id": record["uuid"], **record}


def measure(url: str, data: list[dict], records: int, batch: int, clients: int,
            photos: list[Path]) -> dict:
    """The sync and attachment workloads against a running peer; every write must succeed."""
    db = f"{url}/{DATABASE}"
    assert requests.put(db, timeout=30).status_code == 201, "could not create the peer's database"
    sessions = [requests.Session() for _ in range(max(clients, 16))]

    def bulk(index, docs):
        r = sessions[index % len(sessions)].post(db + "/_bulk_docs", json={"docs": docs}, timeout=120)
        assert r.status_code == 201 and all(x.get("ok") for x in r.json()), r.text[:300]

    def single(index, doc):
        r = sessions[index % len(sessions)].put(f"{db}/{doc['_id']}", json=doc, timeout=120)
        assert r.status_code == 201, r.text[:300]

    docs = [_document(r) for r in data]
    batches = [docs[i:i + batch] for i in range(0, records, batch)]
    figures = drive_sync(bulk, batches, records, clients, single, docs[records:])

    session = requests.Session()

    def attach(n: int, path: Path) -> None:
        r = session.put(f"{db}/photo-{n:04d}/{path.name}", data=path.read_bytes(),
                        headers={"Content-Type": "image/jpeg"}, timeout=120)
        assert r.status_code == 201, r.text[:300]

    attach(0, photos[0])  # warm-up, as bench/upload.py's measure_files does
    start = time.perf_counter()
    for n, path in enumerate(photos[1:], start=1):
        attach(n, path)
    elapsed = time.perf_counter() - start
    return {**figures, "files_mb_per_s": sum(p.stat().st_size for p in photos[1:]) / MB / elapsed}


def run(data: list[dict], records: int, batch: int, clients: int, photos: list[Path]) -> dict:
    """Install, start, measure, stop and remove the peer."""
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-peer-"))
    try:
        with running_peer(folder) as url:
            return measure(url, data, records, batch, clients, photos)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    from bench.sync import workload
    from bench.upload import photo_files

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--single", type=int, default=1600)
    parser.add_argument("--photos", type=int, default=40)
    args = parser.parse_args()
    data, _ = workload(args.records, args.single)
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-bench-"))
    try:
        figures = run(data, args.records, 50, 4, photo_files(folder, args.photos + 1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:16} {value:,.1f}")


if __name__ == "__main__":
    main()
