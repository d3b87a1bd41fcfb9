"""`audit verify`: N entries appended as the app appends them (checkpoints every 10,000), then
what `flask audit verify` runs timed phase by phase in this process (the log, the queue, the
vouched rows' replay, the evidence files), in one process and with AUDIT_VERIFY_WORKERS
processes; entries per second of the whole (target: at least 100,000), beside what the same
rows cost in the same run: reading them through the driver alone, SHA-256 of their leaf bytes
alone, and how much faster the machine runs that many processes than one right now (it is
shared). Then `flask audit verify` itself, a new process: what its start-up adds. On PostgreSQL
the CPU figures count the client's CPU only, not the server's.

    .venv/bin/python -m bench.audit_verify [--entries 100000] [--workers N]
    scripts/with-postgres.sh sh -c '.venv/bin/python -m bench.audit_verify --postgres "$FIELDCASE_TEST_DATABASE_URL"'
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import subprocess
import sys
import time

import orjson

from bench.audit import fill_log
from bench.harness import FAST_HASHING, prepare_instance, scratch_postgres_database
from server import create_app
from server.audit import log_scan, merkle
from server.audit.verify import VerifyReport, verify_log, verify_queue
from server.audit.vouched import verify_vouched_rows
from server.extensions import db

TARGET = 100_000


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the verify's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed_verify(app, workers: int) -> dict:
    """The phases of `flask audit verify` (audit/cli.py), each timed: wall and CPU seconds."""
    app.config["AUDIT_VERIFY_WORKERS"] = workers
    db.session.remove()
    report = VerifyReport()
    checks = app.extensions.get("audit_checks", [])
    phases = {"log": lambda: verify_log(report), "queue": lambda: verify_queue(report),
              "vouched": lambda: verify_vouched_rows(report, app.extensions.get("audit_vouched", [])),
              "files": lambda: [check(report, None) for check in checks]}
    times = {}
    for name, phase in phases.items():
        wall, cpu = time.perf_counter(), _cpu_seconds()
        phase()
        times[name] = (time.perf_counter() - wall, _cpu_seconds() - cpu)
    assert report.ok, report.problems
    wall, cpu = sum(w for w, _ in times.values()), sum(c for _, c in times.values())
    return {"workers": workers, "entries": report.entries, "per_s": report.entries / wall,
            "seconds": wall, "per_cpu_s": report.entries / cpu, "phases": times}


def _timed_command(url: str, storage, workers: int) -> dict:
    """`flask audit verify` in a process of its own (as an operator runs it): wall and CPU."""
    env = {**os.environ, "FIELDCASE_DATABASE_URL": url, "FIELDCASE_STORAGE_DIR": str(storage),
           "FIELDCASE_AUDIT_VERIFY_WORKERS": str(workers)}
    wall, cpu = time.perf_counter(), _cpu_seconds()
    subprocess.run([sys.executable, "-m", "flask", "--app", "server", "audit", "verify"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return {"workers": workers, "seconds": time.perf_counter() - wall, "cpu": _cpu_seconds() - cpu}


def _references() -> dict:
    """The same rows read through the driver alone (the query verify sends), then SHA-256 of
    each one's leaf bytes alone (built beforehand, as verify builds them)."""
    db.session.remove()
    connection = db.session.connection().connection.dbapi_connection
    cursor = connection.cursor()
    started = time.perf_counter()
    cursor.execute(log_scan.chunk_query(db.engine.dialect.name, 0, 1, last=True))
    rows = cursor.fetchall()
    fetch = time.perf_counter() - started
    contents = [orjson.dumps({"action": r[4], "actor_id": r[2], "actor_username": r[3],
                              "client_address": r[7], "details": orjson.Fragment(r[8]),
                              "object_id": r[6], "object_type": r[5],
                              "recorded_at": r[1].replace(" ", "T") + "+00:00", "seq": r[0]})
                for r in rows]
    started = time.perf_counter()
    for content in contents:
        merkle.leaf_hash(content)
    hashing = time.perf_counter() - started
    db.session.remove()
    return {"fetch_per_s": len(rows) / fetch, "sha_per_s": len(contents) / hashing,
            "leaf_bytes": sum(map(len, contents)) / len(contents)}


def _count(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def _cores_now(workers: int, n: int = 10_000_000) -> float:
    """How much faster `workers` processes do pure Python work than one, right now: what the
    machine (shared, loaded) gives a verify that reads the log with that many."""
    started = time.perf_counter()
    _count(n)
    alone = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        started = time.perf_counter()
        pool.map(_count, [n // workers] * workers)
        together = time.perf_counter() - started
    return alone / together


def measure(entries: int, workers: int, postgres: str | None = None) -> dict:
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(scratch_postgres_database(postgres)) if postgres else None
        url, storage = prepare_instance(database)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
        with app.app_context():
            fill_log(entries)
            references = _references()
            runs = [_timed_verify(app, 1), _timed_verify(app, workers)]
            db.engine.dispose()
        command = _timed_command(url, storage, workers)
    return {"dialect": "PostgreSQL" if postgres else "SQLite", "runs": runs, "command": command,
            "cores_now": _cores_now(workers) if workers > 1 else 1.0, **references}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes of the second run (AUDIT_VERIFY_WORKERS; default: one per core)")
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="a PostgreSQL server to run on (a scratch database is made there)")
    args = parser.parse_args()
    f = measure(args.entries, args.workers, args.postgres)
    print(f"audit verify, {f['dialect']}, {f['runs'][0]['entries']:,} entries "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    for run in f["runs"]:
        print(f"  {run['workers']} process{'es' if run['workers'] > 1 else ''}: {run['seconds']:.2f} s, "
              f"{run['per_s']:,.0f} entries/s (target {TARGET:,}: {run['per_s'] / TARGET:.2f}x); "
              f"{run['per_cpu_s']:,.0f} entries per CPU-second")
        print("    phases (wall / CPU s): " + ", ".join(
            f"{name} {wall:.2f} / {cpu:.2f}" for name, (wall, cpu) in run["phases"].items()))
    command = f["command"]
    print(f"  `flask audit verify` ({command['workers']} processes), a new process: "
          f"{command['seconds']:.2f} s, {command['cpu']:.2f} CPU-s "
          f"({f['runs'][0]['entries'] / command['seconds']:,.0f} entries/s; start-up included)")
    print(f"  same run, one process: the driver alone reads {f['fetch_per_s']:,.0f} rows/s; SHA-256 "
          f"alone of their leaf bytes ({f['leaf_bytes']:.0f} B) runs at {f['sha_per_s']:,.0f}/s; "
          f"both in sequence {1 / (1 / f['fetch_per_s'] + 1 / f['sha_per_s']):,.0f}/s")
    print(f"  same run: {args.workers} processes of pure Python work run {f['cores_now']:.2f}x as fast "
          f"as one on this machine now (the most a verify with {args.workers} can gain)")


if __name__ == "__main__":
    main()
