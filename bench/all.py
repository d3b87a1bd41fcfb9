"""Every benchmark of bench/ in one run, printed as one table: each FieldCase figure beside the
machine's limit measured in the same run and beside the peer (pouchdb-server) on the same workload.

    .venv/bin/python -m bench.all            # full size (what `make bench` runs), ~10 minutes
    .venv/bin/python -m bench.all --quick    # a small smoke run
    .venv/bin/python -m bench.all --no-peer  # without installing the peer

Everything (databases, evidence stores, the peer's LevelDB, the raw-disk probe) lives in one
temporary folder on the repository's disk unless --dir says otherwise, removed at the end.
Ratios are FieldCase ÷ limit and FieldCase ÷ peer: above 1 is better for rates, worse for times.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench import audit, audit_verify, documents, peer, photos, sync, sync_costs, sync_floor, upload, wrk_sync
from bench.harness import (
    DEFAULT_WORKERS,
    MB,
    ROOT,
    raw_disk_rate,
    raw_sqlite_commit_rate,
    raw_sqlite_insert_rate,
    sha256_rate,
)

HEADER = ("area", "measure", "FieldCase", "unit", "machine limit (same run)", "ratio",
          "peer (pouchdb-server)", "FieldCase/peer")


@dataclass(frozen=True)
class Sizes:
    records: int  # sync: records sent in batches
    single: int  # sync: records sent one per request
    upload_mb: int  # one large body-camera upload
    upload_rounds: int
    photos: int  # photo-sized files uploaded one after another (plus one warm-up)
    audit_entries: int
    audit_files: int
    audit_batches: int
    commits: int  # raw SQLite single-row commits
    thumbnail_rounds: int
    batch: int = 50
    clients: int = 4
    workers: int = DEFAULT_WORKERS
    chunk_mb: int = 5
    photos_one: int = 200  # 12 MP photos over tus with wrk, 1 client (bench/photos.py)
    photos_four: int = 1000  # and with 4 clients, then the workers' memory
    documents: int = 12  # documents sealed by one worker, then its memory (bench/documents.py)


FULL = Sizes(records=10_000, single=1600, upload_mb=200, upload_rounds=3, photos=40,
             audit_entries=100_000, audit_files=1000, audit_batches=20, commits=2000, thumbnail_rounds=3)
QUICK = Sizes(records=100, single=16, upload_mb=10, upload_rounds=1, photos=1,
              audit_entries=1000, audit_files=10, audit_batches=1, commits=50, thumbnail_rounds=1,
              photos_one=10, photos_four=20, documents=2)


def _ratio(value: float | None, other: float | None) -> str:
    return f"{value / other:.3g}" if value and other else ""


def _row(area, measure, value, unit, fmt, limit=None, limit_text=None, peer_value=None):
    """One line of the table; `fmt` formats the FieldCase, limit and peer numbers alike (a text
    in place of the peer's number says why there is none)."""
    if isinstance(peer_value, str):
        peer_text, peer_value = peer_value, None
    else:
        peer_text = "" if peer_value is None else fmt.format(peer_value)
    return (area, measure, "" if value is None else fmt.format(value), unit,
            limit_text if limit_text is not None else ("" if limit is None else fmt.format(limit)),
            _ratio(value, limit), peer_text, _ratio(value, peer_value))


def machine_limits(s: Sizes, record_bytes: int, folder: Path) -> dict:
    return {"sqlite_batched": raw_sqlite_insert_rate(s.records, s.batch, record_bytes),
            "sqlite_commits": raw_sqlite_commit_rate(s.commits, record_bytes),
            "disk": raw_disk_rate(folder, s.upload_mb * MB, s.chunk_mb * MB),
            "sha256": sha256_rate(max(s.upload_mb, 64) * MB)}


def peer_figures(data, s: Sizes, photos) -> tuple[dict, str]:
    """The peer's figures, or none and the reason it is unavailable."""
    try:
        return peer.run(data, s.records, s.batch, s.clients, photos), ""
    except peer.PeerUnavailable as why:
        return {}, f"peer unavailable: {why}"


def load_rows(quick: bool) -> list[tuple]:
    """bench/load.py's rows, on SQLite and, when a test PostgreSQL is given, on PostgreSQL too."""
    try:
        from bench.load import collect as collect_load
    except ModuleNotFoundError as error:
        if error.name != "bench.load":
            raise
        return [("load", "bench/load.py not present", "", "", "", "", "", "")]
    databases = ["sqlite"] + (["postgres"] if os.environ.get("FIELDCASE_TEST_DATABASE_URL") else [])
    return [(f"load ({database})", measure, value, unit, compared, ratio, "", "")
            for database in databases
            for measure, value, unit, compared, ratio in collect_load(database=database, quick=quick)]


def collect(s: Sizes, folder: Path, with_peer: bool, quick: bool) -> tuple[list[tuple], list[str]]:
    """Run everything; the table's rows and the notes printed under it."""
    notes = []
    data, record_bytes = sync.workload(s.records, s.single)
    limits = machine_limits(s, int(record_bytes), folder)
    photos = upload.photo_files(folder, s.photos + 1)
    fc_sync = sync.measure(data, s.records, s.batch, s.clients, s.workers)
    large = upload.measure_large(s.upload_mb, s.chunk_mb, s.upload_rounds, folder, disk_rounds=False)
    files = upload.measure_files(photos, folder, s.chunk_mb)
    draft, full = upload.thumbnail_times(folder, s.thumbnail_rounds)
    log = audit.measure(s.audit_entries, s.audit_files, 256 * 1024, s.audit_batches)
    theirs, why = peer_figures(data, s, photos) if with_peer else ({}, "peer skipped (--no-peer)")
    if why:
        notes.append(why)
        absent = why.split(":")[0]  # "peer unavailable" or "peer skipped (--no-peer)"

        def p(_figure):
            return absent
    else:
        notes.append(f"peer: {peer.PACKAGE} on node {platform_node()}, LevelDB without fsync "
                     "(leveldown's default); FieldCase commits every write with fsync")
        p = theirs.get
    kb = record_bytes / 1000
    sha_files_s = log["files_mb"] / limits["sha256"]
    rows = [
        _row("machine", "raw SQLite insert, batches of 50, WAL, synchronous=FULL", None, "rows/s",
             "{:,.0f}", limit=limits["sqlite_batched"]),
        _row("machine", "raw SQLite, one row per commit, same durability", None, "commits/s",
             "{:,.0f}", limit=limits["sqlite_commits"]),
        _row("machine", f"raw disk write+fsync, 1 MiB writes, fsync per {s.chunk_mb} MB", None, "MB/s",
             "{:,.0f}", limit=limits["disk"]),
        _row("machine", "SHA-256 (hashlib)", None, "MB/s", "{:,.0f}", limit=limits["sha256"]),
        _row("sync", f"batches of {s.batch} records of {kb:.1f} KB, {s.clients} connections",
             fc_sync["batched_per_s"], "records/s", "{:,.0f}", limit=limits["sqlite_batched"],
             peer_value=p("batched_per_s")),
        _row("sync", "one record per request, 16 connections", fc_sync["single_per_s"], "records/s",
             "{:,.0f}", limit=limits["sqlite_commits"], peer_value=p("single_per_s")),
        _row("sync", "  that, p50", fc_sync["single_p50_ms"], "ms", "{:,.1f}",
             peer_value=p("single_p50_ms")),
        _row("sync", "  that, p99", fc_sync["single_p99_ms"], "ms", "{:,.1f}",
             peer_value=p("single_p99_ms")),
        _row("upload", f"tus, {s.upload_mb} MB file in {s.chunk_mb} MB PATCHes (median of "
             f"{s.upload_rounds})", large["mb_per_s"], "MB/s", "{:,.0f}", limit=limits["disk"]),
        _row("upload", "  worker peak RSS growth during it", large["rss_growth_mb"], "MB", "{:,.1f}",
             limit_text="target < 50"),
        _row("upload", f"tus, photos of 1.8 MB one after another ({len(photos) - 1})", files["mb_per_s"],
             "MB/s", "{:,.1f}", limit=limits["disk"], peer_value=p("files_mb_per_s")),
        _row("upload", "12 MP JPEG -> preview + thumbnail (draft mode)", draft * 1000, "ms", "{:,.0f}",
             limit_text=f"{full * 1000:,.0f} without draft"),
        _row("audit", f"audit verify: {s.audit_entries:,} entries and checkpoints", log["verify_log_s"],
             "s", "{:,.3f}", limit=log["raw_leaf_hash_s"]),
        _row("audit", f"audit verify: {s.audit_files:,} files of 256 KB", log["verify_files_s"], "s",
             "{:,.3f}", limit=sha_files_s),
        _row("audit", "append per event (batches of 500)", log["append_us"], "µs", "{:,.0f}"),
        _row("audit", "audit appends' share of a 50-record sync", log["audit_per_batch_s"] * 1000, "ms",
             "{:,.1f}", limit=log["sync_batch_s"] * 1000),
    ]
    rows += wrk_rows(folder, quick, with_peer and not why, s.workers)
    rows += photo_rows(folder, s)
    rows += [("documents", measure, value, unit, compared, ratio, "", "")
             for measure, value, unit, compared, ratio in documents.rows(documents.measure(s.documents, folder))]
    verify = audit_verify.measure(s.audit_entries, os.cpu_count() or 1)
    for run in verify["runs"]:  # one process, then AUDIT_VERIFY_WORKERS' default (the cores)
        rows.append(_row("audit", f"audit verify ({run['entries']:,} entries, {run['workers']} process"
                         f"{'es' if run['workers'] > 1 else ''})", run["per_s"], "entries/s", "{:,.0f}",
                         limit=verify["fetch_per_s"], peer_value="target 100,000"))
    costs = sync_costs.measure(batches=3 if quick else 20)
    rows += [("sync cost", measure, value, unit, compared, ratio, "", "")
             for measure, value, unit, compared, ratio in sync_costs.rows(costs)]
    by_stage = sync_costs.stages(batches=2 if quick else 8, rounds=1 if quick else 5)
    rows += [("sync stage", measure, value, unit, compared, ratio, "", "")
             for measure, value, unit, compared, ratio in sync_costs.stage_rows(by_stage)]
    rows += [("sync floor", measure, value, unit, compared, ratio, "", "")
             for measure, value, unit, compared, ratio in sync_floor.rows(sync_floor.measure(3 if quick else 20))]
    rows += load_rows(quick)
    rows += serialized_rows(quick)
    notes.append("machine limits: audit verify entries vs the driver reading the same rows alone; files vs "
                 "SHA-256 of the same bytes at the machine rate; audit share vs the whole sync batch")
    return rows, notes


def serialized_rows(quick: bool) -> list[tuple]:
    """bench/serialized_section.py (issue 21): one and two gunicorns on PostgreSQL, when a test
    PostgreSQL is given (scripts/with-postgres.sh); the FieldCase column is one instance."""
    if not os.environ.get("FIELDCASE_TEST_DATABASE_URL") or not shutil.which("wrk"):
        return [("serialised section", "needs scripts/with-postgres.sh and wrk", "", "", "", "", "", "")]
    from bench import serialized_section

    return [("serialised section (PostgreSQL)", measure, one, unit, f"2 instances: {two}", "", "", "")
            for measure, one, two, unit in serialized_section.measure(3 if quick else 10)]


def wrk_rows(folder: Path, quick: bool, with_peer: bool, workers: int) -> list[tuple]:
    """Sync from outside with wrk (issue 19's targets), FieldCase beside the peer in this run."""
    if not shutil.which("wrk"):
        return [("sync (wrk)", "wrk missing: scripts/system-deps.sh bench", "", "", "", "", "", "")]
    seconds = 3 if quick else 10
    place = Path(tempfile.mkdtemp(prefix="wrk-", dir=folder))
    ours = wrk_sync.fieldcase(seconds, 1500 * seconds, 40 * seconds, place, workers)
    theirs = wrk_sync.the_peer(seconds, 1500 * seconds, 40 * seconds, place) if with_peer else None
    return [("sync (wrk)", measure, value, unit, target, "", peer_value, ratio)
            for measure, value, unit, peer_value, ratio, target in wrk_sync.rows(ours, theirs)]


def photo_rows(folder: Path, s: Sizes) -> list[tuple]:
    """12 MP photo ingest from outside with wrk, thumbnail times and worker memory (issue 19)."""
    if not shutil.which("wrk"):
        return [("photos (wrk)", "wrk missing: scripts/system-deps.sh bench", "", "", "", "", "", "")]
    measured = photos.measure(s.photos_one, s.photos_four, Path(tempfile.mkdtemp(prefix="photos-", dir=folder)),
                              s.workers)
    return [("photos (wrk)", measure, value, unit, compared, ratio, "", "")
            for measure, value, unit, compared, ratio in photos.rows(measured)]


def platform_node() -> str:
    node = shutil.which("node")
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else "?"


def format_table(rows: list[tuple]) -> str:
    """A Markdown table, columns aligned so that it also reads in a terminal (the README keeps
    the latest one)."""
    cells = [HEADER] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--no-peer", action="store_true", help="do not install and run the peer")
    parser.add_argument("--dir", type=Path, default=ROOT, help="where the temporary folder goes")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    folder = Path(tempfile.mkdtemp(prefix="fieldcase-bench-", dir=args.dir))
    tempfile.tempdir = str(folder)  # every temporary database and store of the run lands here
    try:
        rows, notes = collect(sizes, folder, not args.no_peer, args.quick)
    finally:
        tempfile.tempdir = None
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nFieldCase bench{' (--quick)' if args.quick else ''}, {started}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite, gunicorn on loopback; temp folder on {args.dir}")
    print(format_table(rows))
    for note in notes:
        print(f"- {note}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
