"""The markers make test-fast relies on: a test that drives Chromium, starts gunicorn, belongs to
the fault suite or runs the bench is marked, whatever file it lives in, and a test that starts
gunicorn without its mark fails in the fast loop instead of slowing it down unseen."""
from __future__ import annotations

import subprocess
import sys

import pytest

from testing.live import start_gunicorn

from .conftest import ROOT

FAST = "not browser and not live and not chaos and not bench"


def collected(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_the_fast_selection_leaves_out_browsers_servers_chaos_and_the_bench_run():
    fast = collected("-m", FAST, "tests/browser/test_offline_shell.py", "tests/test_live_server.py",
                     "tests/chaos/test_proxy.py", "tests/evidence/test_live_uploads.py",
                     "tests/test_sync_http.py", "tests/test_bench.py", "tests/test_sessions.py")
    assert {test.split("::")[0] for test in fast} == {"tests/test_bench.py", "tests/test_sessions.py"}
    assert {test for test in fast if test.startswith("tests/test_bench.py")} == {  # not the bench run
        "tests/test_bench.py::test_photo_files_are_distinct_jpegs_of_the_stated_size",
        "tests/test_bench.py::test_wrk_summary_is_read_from_the_latency_distribution_lines",
        "tests/test_bench.py::test_a_benchmark_s_instance_is_removed_when_its_process_ends",
        "tests/test_bench.py::test_quiet_migrations_keeps_warnings_and_restores_info"}


def test_an_unmarked_test_that_starts_gunicorn_fails_in_the_fast_loop(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDCASE_TEST_FAST", "1")
    with pytest.raises(RuntimeError, match="pytest.mark.live"):
        start_gunicorn("sqlite:///unused", tmp_path, tmp_path / "gunicorn.log")
