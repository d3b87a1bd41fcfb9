"""Time per call of GET /api/audit/consistency on a big log (SQLite, in-process test client).

    .venv/bin/python -m bench.consistency [--entries 100000] [--calls 200]

Fills the log as bench.audit does (a checkpoint every 10,000 entries), logs in an officer and
asks for proofs from random older sizes to the newest checkpoint and to an older one. Prints the
first call (which builds the tree, once per process), the median of the rest, and the first call
after a new checkpoint (which grows the cached tree by the entries added since).
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

import sqlalchemy as sa

from bench.audit import fill_log
from bench.harness import PASSWORD, prepare_instance
from server import create_app
from server.audit.checkpoints import make_checkpoint
from server.audit.models import AuditCheckpoint
from server.audit.service import record_events
from server.extensions import db


def measure(entries: int, calls: int) -> dict:
    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage,
                      "ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1})
    with app.app_context():
        fill_log(entries)
        db.session.remove()
        client = app.test_client()
        client.post("/api/session", json={"username": "officer1", "password": PASSWORD})
        sizes = list(db.session.execute(sa.select(AuditCheckpoint.tree_size).order_by(
            AuditCheckpoint.tree_size)).scalars())
        newest, older = sizes[-1], sizes[len(sizes) // 2]
        rng = random.Random(7)

        def timed(first: int, second: int) -> float:
            start = time.perf_counter()
            answer = client.get(f"/api/audit/consistency?first={first}&second={second}")
            seconds = time.perf_counter() - start
            assert answer.status_code == 200, answer.get_json()
            return seconds

        cold = timed(rng.randrange(1, newest), newest)
        warm = [timed(rng.randrange(1, second), second)
                for second in (newest, older) * (calls // 2)]
        record_events([dict(action="bench.event", object_type="inspection", object_id=str(n),
                            details={"n": n}) for n in range(1000)])
        grown = make_checkpoint("bench").tree_size
        db.session.commit()
        after_checkpoint = timed(newest, grown)
        db.engine.dispose()
    return {"newest": newest, "older": older, "cold_ms": cold * 1000,
            "median_ms": statistics.median(warm) * 1000, "max_ms": max(warm) * 1000,
            "grown_ms": after_checkpoint * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    f = measure(args.entries, args.calls)
    print(f"consistency proofs on a log of {args.entries:,} entries (checkpoints at "
          f"{f['newest']:,} and {f['older']:,}): first call {f['cold_ms']:.1f} ms, "
          f"then median {f['median_ms']:.2f} ms, max {f['max_ms']:.2f} ms over {args.calls} calls; "
          f"first call after 1,000 more entries and a checkpoint {f['grown_ms']:.1f} ms")


if __name__ == "__main__":
    main()
