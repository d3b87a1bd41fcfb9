"""CPU per synced record on PostgreSQL, split between the app and the database: gunicorn (as
`make run` serves it) driven by wrk, the CPU time of gunicorn's processes and of the PostgreSQL
server's read from /proc before and after. CPU time, unlike wall time, stays meaningful on a
shared, loaded machine; docs/capacity.md builds its model on these figures.

    scripts/with-postgres.sh .venv/bin/python -m bench.sync_cpu [--seconds 10] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.harness import PASSWORD, prepare_instance, scratch_postgres_database, start_gunicorn, stop_gunicorn
from bench.wrk_sync import _records, wrk
from testing.accounts import login_session
from testing.records import sync_body

TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each live process of `pids`."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second (a process
    that ended in between, e.g. a recycled gunicorn worker, is missing: an underestimate)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [pid] + [p for child in children for p in process_tree(int(child))]


def postgres_processes(server_url: str) -> list[int]:
    """The server scripts/with-postgres.sh started (its socket folder holds data/), not others'."""
    host = parse_qs(urlsplit(server_url).query)["host"][0]
    return process_tree(int(Path(host, "data", "postmaster.pid").read_text().split()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    server_url = os.environ.get("FIELDCASE_TEST_DATABASE_URL")
    if not server_url:
        raise SystemExit("run under scripts/with-postgres.sh")
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-cpu-"))
    try:
        with scratch_postgres_database(server_url) as url:
            url, storage = prepare_instance(url)
            server = start_gunicorn(url, storage, folder / "gunicorn.log", workers=args.workers)
            try:
                session = login_session(server.url, "officer1", PASSWORD)
                headers = {"Content-Type": "application/json", "X-CSRF-Token": session.headers["X-CSRF-Token"],
                           "Cookie": "; ".join(f"{c.name}={c.value}" for c in session.cookies)}
                for label, size, connections, count in (
                        ("one record per request, 16 connections", 1, 16, 1500 * args.seconds),
                        ("batches of 50, 4 connections", 50, 4, 40 * args.seconds)):
                    lines = [f"/api/sync\t{json.dumps(sync_body(*_records(size)), ensure_ascii=False)}"
                             for _ in range(count)]
                    app0 = cpu_by_process(process_tree(server.process.pid))
                    db0, load = cpu_by_process(postgres_processes(server_url)), os.getloadavg()[0]
                    result = wrk(server.url + "/api/sync", lines, "POST", headers, connections, args.seconds, folder)
                    app = cpu_spent(app0, cpu_by_process(process_tree(server.process.pid)))
                    database = cpu_spent(db0, cpu_by_process(postgres_processes(server_url)))
                    records = result["requests"] * size
                    print(f"{label}: {records} records, app CPU {1000 * app / records:.2f} ms/record, "
                          f"PostgreSQL CPU {1000 * database / records:.2f} ms/record; wall "
                          f"{result['per_s'] * size:.0f} records/s, p99 {result['p99_ms']:.0f} ms, "
                          f"{result['failures']} failed; load average {load:.1f} at the start")
            finally:
                stop_gunicorn(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
