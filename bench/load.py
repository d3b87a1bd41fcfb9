"""Load: a county at shift change. N officers' phones send a day of work each at once (20
inspections with their photos, signatures and recordings: bench/workday.py) to a real gunicorn
on loopback; Locust drives them (bench/locustfile.py), each officer once, under a hard time limit.

    .venv/bin/python -m bench.load [--officers 20] [--time-limit 900]
    scripts/with-postgres.sh .venv/bin/python -m bench.load --database postgres

Prints, per kind of request, p50/p95/p99 latency, count, rate and errors; then officers per minute,
MB/s of evidence received and the wall time; and checks what the server holds afterwards: exactly
N×20 inspections, all complete, every listed file received and stored, the audit log verified.
Exit status 1 when that check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

from bench.harness import (
    DEFAULT_WORKERS,
    ROOT,
    percentile,
    prepare_instance,
    print_table,
    scratch_postgres_database,
    start_gunicorn,
    stop_gunicorn,
)

OFFICERS, QUICK_OFFICERS = 20, 2  # --quick is a smoke run: the fewest officers an inspection needs
MB = 1e6


def run(database: str, officers: int, time_limit: int) -> dict:
    """One shift change on a fresh instance; Locust's timings and the server's holdings."""
    if officers < 2:
        raise SystemExit("--officers: at least 2 (every inspection needs two officers)")
    with ExitStack() as stack:
        url = None
        if database == "postgres":
            server_url = os.environ.get("FIELDCASE_TEST_DATABASE_URL")
            if not server_url:
                raise SystemExit("PostgreSQL: run under scripts/with-postgres.sh "
                                 "(it sets FIELDCASE_TEST_DATABASE_URL)")
            url = stack.enter_context(scratch_postgres_database(server_url))
        url, storage = prepare_instance(url, officers=officers)
        stack.callback(shutil.rmtree, storage, ignore_errors=True)
        server = start_gunicorn(url, storage, storage / "gunicorn.log", workers=DEFAULT_WORKERS)
        try:
            results = _locust(server.url, storage, officers, time_limit)
        finally:
            stop_gunicorn(server)
        results["held"] = held(url, storage)
        results["audit_ok"] = _audit_verifies(url, storage)
        return results


def _locust(base_url: str, storage: Path, officers: int, time_limit: int) -> dict:
    timings, log = storage / "locust-timings.json", storage / "locust.log"
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
               "--headless", "--host", base_url, "--users", str(officers),
               "--spawn-rate", str(officers), "--run-time", f"{time_limit}s",
               "--loglevel", "WARNING", "--only-summary", "--timings", str(timings)]
    with open(log, "wb") as out:
        try:
            subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                           timeout=time_limit + 120)
        except subprocess.TimeoutExpired:  # run() has killed it
            pass
    if not timings.exists():
        raise RuntimeError(f"Locust wrote no results: {log.read_text()[-3000:]}")
    return json.loads(timings.read_text())


def held(url: str, storage: Path) -> dict:
    """What the server holds after the run, read from its database and evidence store."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            one = lambda sql: conn.execute(sa.text(sql)).one()  # noqa: E731
            inspections, incomplete = one(
                "SELECT count(*), count(*) FILTER (WHERE status = 'incomplete') FROM inspections")
            listed, received = one("SELECT count(*), count(received_at) FROM evidence")
            files, stored_bytes = one("SELECT count(*), coalesce(sum(size), 0) FROM evidence_files")
            flagged = sum(1 for (flags,) in conn.execute(sa.text("SELECT flags FROM evidence_files"))
                          if (json.loads(flags) if isinstance(flags, str) else flags))
    finally:
        engine.dispose()
    on_disk = sum(1 for p in (storage / "evidence").rglob("*") if p.is_file()) \
        if (storage / "evidence").exists() else 0
    return {"inspections": inspections, "incomplete": incomplete, "listed": listed,
            "received": received, "files": files, "bytes": int(stored_bytes), "flagged": flagged,
            "on_disk": on_disk}


def _audit_verifies(url: str, storage: Path) -> bool:
    env = {**os.environ, "FIELDCASE_DATABASE_URL": url, "FIELDCASE_STORAGE_DIR": str(storage)}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "audit", "verify"],
                          cwd=ROOT, env=env, capture_output=True, timeout=600)
    return done.returncode == 0


def rows(database: str, results: dict, time_limit: int) -> list[tuple]:
    """The table: one row per kind of request, then the totals and the check of what is held."""
    label = f"load {database}"
    spans = results["spans"]
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans) if spans else 0.0
    table, total, errors = [], 0, 0
    for name, times in sorted(results["timings_ms"].items()):
        failed = len(results["failures"].get(name, []))
        total, errors = total + len(times), errors + failed
        table.append((f"{label}: {name}",
                      " / ".join(f"{percentile(times, p):,.0f}" for p in (50, 95, 99)),
                      "ms p50/p95/p99", f"{len(times)} req, {len(times) / wall if wall else 0:.1f}/s",
                      f"{failed} errors"))
    officers, h = results["officers"], results["held"]
    expected_records, expected_files = results["records"], results["files"]
    finished = sum(1 for *_, done in spans if done)
    whole = finished == officers
    ok = (h["inspections"] == expected_records and h["incomplete"] == 0
          and h["listed"] == h["received"] == h["files"] == h["on_disk"] == expected_files
          and h["bytes"] == results["evidence_bytes"] and results["audit_ok"] and whole)
    evidence_mb = h["bytes"] / MB
    table += [
        (f"{label}: officers through a day's sync", f"{finished / wall * 60 if wall else 0:.1f}",
         "officers/min", f"{officers} officers at once", f"{finished} finished"),
        (f"{label}: evidence received", f"{evidence_mb / wall if wall else 0:.1f}", "MB/s",
         f"{h['files']} files, {evidence_mb:,.0f} MB", f"{h['flagged']} flagged"),
        (f"{label}: wall time", f"{wall:.1f}", "s", f"hard limit {time_limit} s",
         f"{wall / time_limit:.2f}"),
        (f"{label}: requests failed", str(errors), "requests", f"of {total}",
         f"{errors / total if total else 0:.3f}"),
        (f"{label}: server holds", f"{h['inspections']} / {expected_records}", "inspections",
         f"{h['received']} / {expected_files} files received, {h['incomplete']} incomplete, "
         f"audit {'verifies' if results['audit_ok'] else 'BROKEN'}", "OK" if ok else "MISMATCH"),
    ]
    return table


def collect(database: str = "sqlite", quick: bool = False) -> list[tuple]:
    """Rows for print_table (bench/all.py); `database`: sqlite, or postgres under
    scripts/with-postgres.sh. `quick`: 2 officers instead of 20."""
    officers = QUICK_OFFICERS if quick else OFFICERS
    time_limit = _time_limit(officers)
    return rows(database, run(database, officers, time_limit), time_limit)


def _time_limit(officers: int) -> int:
    return max(300, 45 * officers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--officers", type=int, default=OFFICERS)
    parser.add_argument("--time-limit", type=int, default=None,
                        help="seconds from Locust's start (making the days included) until the "
                             "run is stopped; default max(300, 45 s per officer)")
    args = parser.parse_args()
    time_limit = args.time_limit or _time_limit(args.officers)
    results = run(args.database, args.officers, time_limit)
    table = rows(args.database, results, time_limit)
    print_table(f"Shift change: {args.officers} officers sync a day each at once "
                f"({args.database}, gunicorn on loopback, {os.cpu_count()} CPUs)", table)
    for name, messages in sorted(results["failures"].items()):
        print(f"failed {name}: {len(messages)}, e.g. " + "; ".join(sorted(set(messages))[:3]))
    if table[-1][-1] != "OK":
        sys.exit(1)


if __name__ == "__main__":
    main()
