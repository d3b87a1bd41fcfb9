"""The one serialised section of writing on PostgreSQL, measured (issue 21): one and then two
gunicorn instances on one PostgreSQL, driven with wrk (one record per sync request), records/s,
and the time the audit sequencer holds the log's lock (server/audit/sequencer.py), per batch and
per record, as each instance notes it (FIELDCASE_AUDIT_SEQUENCER_TIMINGS).

    scripts/with-postgres.sh .venv/bin/python -m bench.serialized_section [--seconds 10]

On two cores a second instance cannot add throughput; the figure that matters is that the
serialised section stays short, so that on more cores the instances do not queue behind it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from bench.harness import (
    DEFAULT_WORKERS,
    PASSWORD,
    percentile,
    prepare_instance,
    scratch_postgres_database,
    start_gunicorn,
    stop_gunicorn,
)
from bench.wrk import session_headers
from bench.wrk_sync import _records, wrk
from testing.accounts import login_session
from testing.records import sync_body

CONNECTIONS = 16


def run(instances: int, seconds: int, server_url: str, folder: Path) -> dict:
    """records/s through `instances` gunicorns at once, and the sequencer's lock times."""
    timings = folder / f"timings-{instances}.txt"
    with ExitStack() as stack:
        url = stack.enter_context(scratch_postgres_database(server_url))
        url, storage = prepare_instance(url)
        servers = [start_gunicorn(url, storage, folder / f"gunicorn-{instances}-{n}.log",
                                  workers=DEFAULT_WORKERS,
                                  extra_env={"FIELDCASE_AUDIT_SEQUENCER_TIMINGS": str(timings)})
                   for n in range(instances)]
        try:
            results = [None] * instances

            def drive(n: int) -> None:
                s = login_session(servers[n].url, "officer1", PASSWORD)
                headers = {"Content-Type": "application/json", **session_headers(s)}
                lines = [f"/api/sync\t{json.dumps(sync_body(r), ensure_ascii=False)}"
                         for r in _records(1500 * seconds)]
                place = folder / f"wrk-{instances}-{n}"
                place.mkdir()
                results[n] = wrk(servers[n].url + "/api/sync", lines, "POST", headers,
                                 CONNECTIONS // instances, seconds, place)

            threads = [threading.Thread(target=drive, args=(n,)) for n in range(instances)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            for server in servers:
                stop_gunicorn(server)
        shutil.rmtree(storage, ignore_errors=True)
    batches = [tuple(float(x) for x in line.split()) for line in timings.read_text().splitlines()]
    moved = [b for b in batches if b[2] > 0]
    held = [b[1] for b in moved]
    per_record = [b[1] / b[2] for b in moved]
    waited = [b[0] for b in moved]
    return {"per_s": sum(r["per_s"] for r in results), "p99_ms": max(r["p99_ms"] for r in results),
            "failures": sum(r["failures"] for r in results), "batches": len(moved),
            "records_per_batch": statistics.mean(b[2] for b in moved) if moved else 0,
            "held_p50": statistics.median(held), "held_p99": percentile(held, 99),
            "per_record_p50": statistics.median(per_record), "per_record_p99": percentile(per_record, 99),
            "waited_p50": statistics.median(waited), "waited_p99": percentile(waited, 99)}


def rows(one: dict, two: dict) -> list[tuple]:
    return [
        ("one record per sync, 16 connections in all", f"{one['per_s']:,.0f}", f"{two['per_s']:,.0f}", "records/s"),
        ("  request p99 (slowest instance)", f"{one['p99_ms']:,.0f}", f"{two['p99_ms']:,.0f}", "ms"),
        ("  failed requests", f"{one['failures']}", f"{two['failures']}", ""),
        ("sequencer batches (records per batch)", f"{one['batches']} ({one['records_per_batch']:.1f})",
         f"{two['batches']} ({two['records_per_batch']:.1f})", ""),
        ("log's lock held per batch, median", f"{one['held_p50']:.2f}", f"{two['held_p50']:.2f}", "ms"),
        ("log's lock held per batch, p99", f"{one['held_p99']:.2f}", f"{two['held_p99']:.2f}", "ms"),
        ("  per record, median", f"{one['per_record_p50']:.2f}", f"{two['per_record_p50']:.2f}", "ms"),
        ("  per record, p99", f"{one['per_record_p99']:.2f}", f"{two['per_record_p99']:.2f}", "ms"),
        ("waited for the lock, median", f"{one['waited_p50']:.2f}", f"{two['waited_p50']:.2f}", "ms"),
        ("waited for the lock, p99", f"{one['waited_p99']:.2f}", f"{two['waited_p99']:.2f}", "ms"),
    ]


def measure(seconds: int) -> list[tuple]:
    server_url = os.environ.get("FIELDCASE_TEST_DATABASE_URL")
    if not server_url or not shutil.which("wrk"):
        raise SystemExit("run under scripts/with-postgres.sh, with wrk installed (scripts/system-deps.sh bench)")
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-serialised-"))
    try:
        return rows(run(1, seconds, server_url, folder), run(2, seconds, server_url, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    table = [("measure", "1 instance", "2 instances", "unit")] + measure(parser.parse_args().seconds)
    widths = [max(len(str(r[i])) for r in table) for i in range(4)]
    for r in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
