"""Workers are replaced once their memory has grown past FIELDCASE_WORKER_MAX_RSS_MB, and after
FIELDCASE_MAX_REQUESTS requests as a backstop, so that memory a worker took for a large request
goes back to the system (issue 19: worker RSS under 200 MB), and the service answers throughout."""
import os

import pytest
import requests

from server.process_memory import rss_mb
from testing.live import stop_gunicorn, worker_pids
from testing.records import overload_record, sync_body

pytestmark = pytest.mark.live


def test_a_worker_is_replaced_after_its_requests_and_every_request_is_answered(gunicorn_with):
    server = gunicorn_with(WORKERS=1, MAX_REQUESTS=5, MAX_REQUESTS_JITTER=0)
    for _ in range(16):
        assert requests.get(server.url + "/healthz", timeout=60).json()["status"] == "ok"
    log = server.log.read_text()
    assert log.count("Booting worker with pid") >= 3, log[-2000:]
    assert "Autorestarting worker" in log, log[-2000:]
    assert os.environ.get("FIELDCASE_MAX_REQUESTS") is None  # the setting came from the test only


def test_a_worker_grown_past_its_memory_limit_is_replaced_and_every_request_is_answered(gunicorn_with):
    # How much a worker holds on this machine once it has served a login and a sync, so that the
    # limit sits just above it.
    first = gunicorn_with(WORKERS=1, MAX_REQUESTS=0, WORKER_MAX_RSS_MB=0)
    first.login("officer1").post(first.url + "/api/sync", json=sync_body(overload_record()), timeout=60)
    warm_mb = rss_mb(worker_pids(first.log.read_text())[0])
    stop_gunicorn(first)
    assert warm_mb > 20, warm_mb

    server = gunicorn_with(WORKERS=1, MAX_REQUESTS=0, WORKER_MAX_RSS_MB=int(warm_mb) + 4)
    officer = server.login("officer1")
    # 1,500 records (5 MB of JSON) are refused as too many, but reading them grows the worker.
    large = sync_body(*[overload_record() for _ in range(1500)])
    answers = [officer.post(server.url + "/api/sync", json=large, timeout=120).status_code for _ in range(2)]
    answers += [requests.get(server.url + "/healthz", timeout=60).status_code for _ in range(5)]
    small = officer.post(server.url + "/api/sync", json=sync_body(overload_record()), timeout=60)

    assert answers == [413, 413] + [200] * 5
    assert small.status_code == 200 and small.json()["results"][0]["result"] == "created"
    log = server.log.read_text()
    assert "Replacing worker after current request" in log, log[-3000:]
    pids = worker_pids(log)
    assert len(pids) >= 2, log[-3000:]
    assert rss_mb(pids[-1]) < warm_mb + 15  # the one answering now is a fresh worker


def test_a_limit_below_what_a_fresh_worker_holds_is_left_off_and_said(gunicorn_with):
    server = gunicorn_with(WORKERS=1, MAX_REQUESTS=0, WORKER_MAX_RSS_MB=1)
    for _ in range(6):
        assert requests.get(server.url + "/healthz", timeout=60).status_code == 200
    log = server.log.read_text()
    assert len(worker_pids(log)) == 1, log[-2000:]  # not replaced after every request
    assert "at or over FIELDCASE_WORKER_MAX_RSS_MB" in log, log[-2000:]
