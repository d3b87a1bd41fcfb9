"""Sealing documents under gunicorn: the worker's memory, and the layout child's.

Issue 19 wants a worker's RSS under 200 MB. Officers issue documents over HTTP to one gunicorn
worker (the worst case: it seals them all), and the worker's and its children's RSS are sampled
every 0.1 s until every document is sealed. `--before DIR` runs the same with another checkout
of FieldCase (e.g. `git worktree add /tmp/before f854e48~1`), in the same run.

    .venv/bin/python -m bench.documents [--documents 12] [--before DIR]
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.harness import PASSWORD, ROOT, prepare_instance, print_table, start_gunicorn, stop_gunicorn
from bench.photos import worker_rss_mb
from server.config import Config
from server.documents.seal_keys import make_demo_seal
from server.process_memory import rss_mb
from testing.accounts import login_session
from testing.documents import FIELDS

RSS_LIMIT_MB = 200
# A short, a long and a middling document, in turn.
TYPES = ("onsite_penalty_decision", "penalty_decision", "case_transfer_letter")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for task in Path(f"/proc/{pid}/task").iterdir()
                for p in (task / "children").read_text().split()]
    except OSError:  # gone meanwhile
        return []


def _signed(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM documents WHERE state = 'signed'").fetchone()[0]


def measure(count: int, folder: Path, root: Path = ROOT) -> dict:
    """Issue `count` documents to one worker of the FieldCase at `root`; the worker's RSS idle,
    after the first seal and at its largest, its children's largest, and documents sealed per s."""
    url, storage = prepare_instance()
    make_demo_seal(storage, Config().BUREAU_NAME)
    logs = Path(tempfile.mkdtemp(prefix="documents-", dir=folder))
    server = start_gunicorn(url, storage, logs / "gunicorn.log", workers=1, root=root,
                            extra_env={"FIELDCASE_SEAL_POLL_SECONDS": "1", "FIELDCASE_WORKER_MAX_RSS_MB": "0"})
    try:
        officer = login_session(server.url, "officer1", PASSWORD)
        (worker,) = worker_rss_mb(server.process.pid)
        idle = rss_mb(worker)
        started = time.monotonic()
        for doc_type in itertools.islice(itertools.cycle(TYPES), count):
            answer = officer.post(f"{server.url}/api/documents", json={"type": doc_type, "fields": FIELDS[doc_type]},
                                  timeout=60)
            answer.raise_for_status()
        peak, child_peak, after_first = idle, 0.0, None
        deadline = time.monotonic() + 60 + 10 * count
        while (signed := _signed(storage / "fieldcase.sqlite3")) < count and time.monotonic() < deadline:
            peak = max(peak, rss_mb(worker))
            child_peak = max([child_peak] + [rss_mb(c) for c in _children(worker)])
            if signed and after_first is None:
                after_first = rss_mb(worker)
            time.sleep(0.1)
        took = time.monotonic() - started
        final = rss_mb(worker)
    finally:
        stop_gunicorn(server)
        shutil.rmtree(storage, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
    if signed < count:
        raise SystemExit(f"{root}: only {signed} of {count} documents sealed in time")
    return {"documents": count, "idle_mb": idle, "after_first_mb": after_first or final,
            "peak_mb": max(peak, final), "child_peak_mb": child_peak, "per_s": count / took}


def rows(now: dict, before: dict | None = None) -> list[tuple]:
    """(measure, value, unit, compared with, ratio) for print_table and bench.all."""
    def versus(key: str, fmt: str = "{:,.0f}") -> str:
        return f"before: {fmt.format(before[key])}" if before else ""

    n = now["documents"]
    return [
        ("worker RSS idle", f"{now['idle_mb']:,.0f}", "MB", versus("idle_mb"), ""),
        (f"worker RSS at its largest while sealing {n} documents", f"{now['peak_mb']:,.0f}", "MB",
         f"limit {RSS_LIMIT_MB}" + (f"; {versus('peak_mb')}" if before else ""),
         f"{now['peak_mb'] / RSS_LIMIT_MB:.2f}"),
        ("  after the first document (signing code loaded)", f"{now['after_first_mb']:,.0f}", "MB",
         versus("after_first_mb"), ""),
        ("  its layout child at its largest (replaced, stopped when idle)", f"{now['child_peak_mb']:,.0f}", "MB",
         "before: no child, laid out in the worker" if before else "", ""),
        ("documents issued and sealed", f"{now['per_s']:,.2f}", "per s", versus("per_s", "{:,.2f}"), ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--before", type=Path, help="another checkout of FieldCase, measured the same way")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-documents-"))
    try:
        now = measure(args.documents, folder)
        before = measure(args.documents, folder, args.before.resolve()) if args.before else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table("Sealing documents, one gunicorn worker, SQLite", rows(now, before))


if __name__ == "__main__":
    main()
