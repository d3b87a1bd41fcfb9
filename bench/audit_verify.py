"""`audit verify` of the log alone: N entries appended as the app appends them (checkpoints
every 10,000), then verify_log timed; entries per second (target: at least 100,000).

    .venv/bin/python -m bench.audit_verify [--entries 100000]
"""
from __future__ import annotations

import argparse
import hashlib
import time

import sqlalchemy as sa

from bench.audit import fill_log
from bench.harness import FAST_HASHING, prepare_instance
from server import create_app
from server.audit.verify import VerifyReport, verify_log
from server.extensions import db


def measure(entries: int) -> dict:
    url, storage = prepare_instance()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage, **FAST_HASHING})
    with app.app_context():
        fill_log(entries)
        db.session.remove()
        report = VerifyReport()
        started = time.perf_counter()
        verify_log(report)
        seconds = time.perf_counter() - started
        assert report.ok and report.entries >= entries, report.problems
        # The limit in the same run: SHA-256 of each entry's stored details alone, as a leaf.
        texts = db.session.execute(sa.text("SELECT details FROM audit_entries")).scalars().all()
        started = time.perf_counter()
        for text in texts:
            hashlib.sha256(b"\x00" + text.encode("utf-8")).digest()
        raw = time.perf_counter() - started
        db.engine.dispose()
    return {"seconds": seconds, "raw_per_s": len(texts) / raw, "entries": report.entries,
            "entries_per_s": report.entries / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    f = measure(args.entries)
    print(f"audit verify of {f['entries']:,} entries: {f['seconds']:.2f} s, "
          f"{f['entries_per_s']:,.0f} entries/s (target 100,000); raw leaf hashing in the same run "
          f"{f['raw_per_s']:,.0f}/s, ratio {f['entries_per_s'] / f['raw_per_s']:.3f}")


if __name__ == "__main__":
    main()
