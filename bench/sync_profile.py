"""Where one sync request's own work goes, in-process (Flask test client, no HTTP): CPU per
request and per record, SQL statements and commits per request, and a cProfile of either.

    .venv/bin/python -m bench.sync_profile [--records 1|50] [--requests 300] [--profile 25] [--resend]

`--resend` measures the same requests sent a second time, as a phone resends a batch whose
answer it lost: every record answered `duplicate` from the stored row.

PROFILE_SORT (cProfile's sort key, default tottime) and PROFILE_LINES (default 45) shape the
profile printed.

The same command before and after a change gives comparable figures (CPU time, so less
sensitive to the other work on the machine than wall time).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time

SORT = os.environ.get("PROFILE_SORT", "tottime")

import sqlalchemy as sa

from bench.harness import FAST_HASHING, PASSWORD, prepare_instance
from testing.accounts import login_test_client
from testing.records import overload_record, sync_body


def run(records: int, requests: int, profile: int, resend: bool = False) -> dict:
    from server import create_app
    from server.extensions import db

    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    client = app.test_client()
    token = login_test_client(client, "officer1", PASSWORD)
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    bodies = [json.dumps(sync_body(*[overload_record() for _ in range(records)]),
                         ensure_ascii=False).encode() for _ in range(requests + 1)]
    counts = {"statements": 0, "commits": 0}
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        counts["statements"] += 1

    def commit(conn):
        counts["commits"] += 1

    client.post("/api/sync", data=bodies[0], headers=headers)  # warm caches
    expected = "created"
    if resend:
        for body in bodies[1:]:
            client.post("/api/sync", data=body, headers=headers)
        expected = "duplicate"
    sa.event.listen(engine, "before_cursor_execute", count)
    sa.event.listen(engine, "commit", commit)
    # CPU time, not wall time: waiting for fsync or for the other work on the machine is not ours.
    profiler = cProfile.Profile(time.process_time) if profile else None
    started, own = time.process_time(), time.thread_time()
    for index, body in enumerate(bodies[1:]):
        if profiler and index == max(requests - profile, 0):
            profiler.enable()
        response = client.post("/api/sync", data=body, headers=headers)
        assert response.status_code == 200 and all(
            r["result"] == expected for r in response.get_json()["results"]), response.get_json()
    cpu, own = time.process_time() - started, time.thread_time() - own
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(SORT).print_stats(int(os.environ.get("PROFILE_LINES", "45")))
        if os.environ.get("PROFILE_OUT"):
            profiler.dump_stats(os.environ["PROFILE_OUT"])
    sa.event.remove(engine, "before_cursor_execute", count)
    return {"cpu_ms_per_request": cpu / requests * 1000,
            # The process's other threads (export delivery, sealer, witness): work a request wakes.
            "background_ms_per_request": (cpu - own) / requests * 1000,
            "cpu_us_per_record": cpu / requests / records * 1e6,
            "statements_per_request": counts["statements"] / requests,
            "commits_per_request": counts["commits"] / requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="profile the last N requests")
    parser.add_argument("--resend", action="store_true", help="measure the requests sent again")
    args = parser.parse_args()
    figures = run(args.records, args.requests, args.profile, args.resend)
    print(f"{'resent ' if args.resend else ''}sync of {args.records} record(s) x {args.requests} requests: "
          f"{figures['cpu_ms_per_request']:.2f} ms CPU/request "
          f"({figures['background_ms_per_request']:.2f} of it on other threads), "
          f"{figures['cpu_us_per_record']:.0f} µs CPU/record, "
          f"{figures['statements_per_request']:.1f} SQL statements and "
          f"{figures['commits_per_request']:.1f} commits per request")


if __name__ == "__main__":
    main()
