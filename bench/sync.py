"""Sync throughput and latency through the full HTTP stack (gunicorn, validation, durable commits).

    .venv/bin/python -m bench.sync [--records 10000]

Prints records/s for batches of 50 (3 KB records, full form validation, synchronous=FULL commits)
beside the raw SQLite batched-insert rate with the same durability measured in the same run, and
the latency of single-record syncs at 16 concurrent connections.
"""
from __future__ import annotations

import argparse
import json

import requests

from bench.harness import (
    DEFAULT_WORKERS,
    PASSWORD,
    drive_sync,
    prepare_instance,
    print_table,
    raw_sqlite_insert_rate,
    start_gunicorn,
    stop_gunicorn,
)
from testing.accounts import login_session
from testing.records import overload_record, sync_body


def login(url: str) -> requests.Session:
    s = login_session(url, "officer1", PASSWORD)
    s.headers["Content-Type"] = "application/json"
    return s


def workload(records: int, single: int) -> tuple[list[dict], float]:
    """The records the bench sends (3 KB overload inspections) and their mean JSON size in bytes;
    the peer bench (bench/peer.py) stores the very same documents."""
    data = [overload_record(plate=f"浙F{i:05d}") for i in range(records + single)]
    return data, sum(len(json.dumps(r, ensure_ascii=False).encode()) for r in data) / len(data)


def measure(data: list[dict], records: int, batch: int, clients: int, workers: int,
            database_url: str | None = None) -> dict:
    """Sync `data[:records]` in batches of `batch` from `clients` connections, then the rest one
    record per request from 16 connections, through gunicorn; every record must be `created`."""
    bodies = [json.dumps(sync_body(*data[i:i + batch]), ensure_ascii=False).encode()
              for i in range(0, records, batch)]
    singles = [json.dumps(sync_body(r), ensure_ascii=False).encode() for r in data[records:]]
    url, storage = prepare_instance(database_url)
    server = start_gunicorn(url, storage, storage / "gunicorn.log", workers=workers)
    try:
        sessions = [login(server.url) for _ in range(max(clients, 16))]

        def post(index, body):
            r = sessions[index % len(sessions)].post(server.url + "/api/sync", data=body)
            assert r.status_code == 200, r.text[:300]
            results = r.json()["results"]
            assert all(x["result"] == "created" for x in results), results[:1]

        return drive_sync(post, bodies, records, clients, post, singles)
    finally:
        stop_gunicorn(server)


def run(records: int, batch: int, clients: int, single: int, workers: int) -> list[tuple]:
    data, record_bytes = workload(records, single)
    raw = raw_sqlite_insert_rate(records, batch, int(record_bytes))
    figures = measure(data, records, batch, clients, workers)
    batched_rate, p50, p99 = figures["batched_per_s"], figures["single_p50_ms"], figures["single_p99_ms"]
    return [
        ("raw SQLite batched insert (WAL, FULL)", f"{raw:,.0f}", "rows/s", "machine limit", "1.00"),
        (f"FieldCase sync, batches of {batch}", f"{batched_rate:,.0f}", "records/s",
         f"raw SQLite {raw:,.0f}", f"{batched_rate / raw:.3f}"),
        ("FieldCase sync vs target", f"{batched_rate:,.0f}", "records/s", "target 10,000",
         f"{batched_rate / 10000:.2f}"),
        ("single-record sync p50 (16 conns)", f"{p50:.1f}", "ms", "", ""),
        ("single-record sync p99 (16 conns)", f"{p99:.1f}", "ms", "target 25 ms", f"{p99 / 25:.2f}"),
        ("single-record syncs/s (16 conns)", f"{figures['single_per_s']:,.0f}", "req/s", "", ""),
        ("record size", f"{record_bytes:,.0f}", "bytes", "", ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--single", type=int, default=1600)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()
    rows = run(args.records, args.batch, args.clients, args.single, args.workers)
    print_table("Sync (SQLite, gunicorn on loopback)", rows)


if __name__ == "__main__":
    main()
