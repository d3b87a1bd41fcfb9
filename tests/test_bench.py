"""`make bench` keeps working: one run of every benchmark prints one table, and a peer that cannot
be installed leaves a note, not a failed run. That run is marked `bench`: `make bench` checks it
first, `make test` leaves it out."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile

import pytest
from PIL import Image

from bench.upload import photo_files
from server.evidence.media import identify

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def table_rows(output: str) -> dict[tuple[str, str], list[str]]:
    """The printed Markdown table by (area, measure)."""
    rows = {}
    for line in output.splitlines():
        if line.startswith("| ") and not line.startswith("| area "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[(cells[0], cells[1])] = cells
    return rows


def number(cell: str) -> float:
    return float(cell.replace(",", ""))


@pytest.mark.bench  # minutes of benchmarks: `make bench` runs it first, `make test` does not
@pytest.mark.live
def test_one_run_prints_one_table_and_survives_an_unreachable_registry(tmp_path):
    cache = tmp_path / "npm-cache"  # an empty cache: npm cannot fall back on packages it has seen
    env = {**os.environ, "npm_config_registry": f"http://127.0.0.1:{closed_port()}/",
           "npm_config_cache": str(cache), "npm_config_fetch_retries": "0",
           "npm_config_fetch_timeout": "10000"}
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "bench.all", "--quick", "--dir", str(work)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = table_rows(done.stdout)
    areas = {area for area, _ in rows}
    assert {"machine", "sync", "sync cost", "upload", "audit"} <= areas
    assert any(area.startswith("load") for area in areas)  # its rows, or that bench/load.py is missing

    for (area, measure), cells in rows.items():
        if area == "machine":  # each limit measured in this run
            assert number(cells[4]) > 0, measure
        if area in ("sync", "upload", "audit"):
            assert number(cells[2]) > 0, measure
            assert cells[7] == "", "no FieldCase/peer ratio without a peer"
    batched = next(cells for (area, measure), cells in rows.items()
                   if area == "sync" and measure.startswith("batches of 50"))
    assert number(batched[5]) == pytest.approx(number(batched[2]) / number(batched[4]), rel=0.05)
    assert batched[6] == "peer unavailable"
    assert "peer unavailable: npm install pouchdb-server@" in done.stdout  # and why
    photos = {measure.strip(): cells for (area, measure), cells in rows.items() if area == "photos (wrk)"}
    four = next(cells for measure, cells in photos.items() if measure.startswith("same, 4 clients"))
    assert number(four[2]) > 0 and photos["failed uploads (1 client / 4 clients)"][2] == "0 / 0"
    assert number(photos["that, p99"][2]) > 0  # the thumbnail, beside the raw draft() decode
    sealing = {measure.strip(): cells for (area, measure), cells in rows.items() if area == "documents"}
    largest = next(cells for measure, cells in sealing.items() if measure.startswith("worker RSS at its largest"))
    assert number(largest[2]) > 0 and largest[4] == "limit 200"
    assert number(sealing["documents issued and sealed"][2]) > 0
    assert list(work.iterdir()) == [], "the run's temporary folder is removed"


def test_photo_files_are_distinct_jpegs_of_the_stated_size(tmp_path):
    paths = photo_files(tmp_path, 2)
    assert [p.stat().st_size for p in paths] == [1_800_000, 1_800_000]
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}) == 2
    for path in paths:
        assert identify(path) == "image/jpeg"  # what the server sniffs from the bytes
        with Image.open(path) as image:
            image.load()
            assert image.size == (1920, 1440)


# wrk 4.1's summary with --latency, as printed on this machine; both "+/- Stdev" columns end in
# 50% or 99%, which a search for "50%" anywhere once took for the latency percentile.
_WRK_SUMMARY = """Running 20s test @ http://127.0.0.1:41321/api/sync
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   118.01ms   45.30ms   1.00s    69.50%
    Req/Sec    68.40     20.11   120.00     70.99%
  Latency Distribution
     50%  110.00ms
     75%  130.00ms
     90%  160.00ms
     99%    1.20s
  2720 requests in 20.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    136.00
Transfer/sec:     51.20KB
"""


def test_wrk_summary_is_read_from_the_latency_distribution_lines():
    from bench.wrk import read_summary

    assert read_summary(_WRK_SUMMARY) == {"per_s": 136.0, "p50_ms": 110.0, "p99_ms": 1200.0,
                                          "failures": 3, "requests": 2720}
    with pytest.raises(RuntimeError, match="no latency"):
        read_summary(_WRK_SUMMARY.split("  Latency Distribution")[0] + "Requests/sec:      0.00\n")


def test_a_benchmark_s_instance_is_removed_when_its_process_ends():
    """Each bench makes a migrated instance of 150 MB and more in the temp folder (and
    bench.photo_profile a folder of photos besides): gone once the bench's process has ended."""
    script = ("from pathlib import Path\n"
              "from bench.harness import prepare_instance, remove_at_exit\n"
              "url, storage = prepare_instance()\n"
              "extra = remove_at_exit(Path(storage.parent / (storage.name + '-extra')))\n"
              "extra.mkdir()\n"
              "print(storage, extra, flush=True)\n"
              "assert (storage / 'fieldcase.sqlite3').exists()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=True)
    storage, extra = done.stdout.split()[-2:]
    assert storage.startswith(tempfile.gettempdir()) and "fieldcase-bench-" in storage
    assert not os.path.exists(storage) and not os.path.exists(extra)
    # Nor does its set-up print every migration's docstring (about 1,000 lines) into the table's output.
    assert "Running upgrade" not in done.stderr + done.stdout


def test_quiet_migrations_keeps_warnings_and_restores_info(caplog):
    import logging

    from bench.harness import quiet_migrations

    log = logging.getLogger("alembic.runtime.migration")
    with caplog.at_level(logging.INFO, logger="alembic"):
        with quiet_migrations():
            log.info("Running upgrade a -> b")
            log.warning("a migration's warning")
        log.info("after the upgrade")
    assert [r.getMessage() for r in caplog.records] == ["a migration's warning", "after the upgrade"]
    # A caller's own, higher switch holds again afterwards, not cleared by the upgrade's.
    logging.disable(logging.WARNING)
    try:
        with quiet_migrations():
            pass
        assert logging.root.manager.disable == logging.WARNING
    finally:
        logging.disable(logging.NOTSET)
