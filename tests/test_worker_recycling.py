"""Workers are replaced after FIELDCASE_MAX_REQUESTS requests, so that memory a worker took for
decoding photos goes back to the system (issue 19), and the service answers throughout."""
import os

import pytest
import requests

pytestmark = pytest.mark.live


def test_a_worker_is_replaced_after_its_requests_and_every_request_is_answered(gunicorn_with):
    server = gunicorn_with(WORKERS=1, MAX_REQUESTS=5, MAX_REQUESTS_JITTER=0)
    for _ in range(16):
        assert requests.get(server.url + "/healthz", timeout=60).json()["status"] == "ok"
    log = server.log.read_text()
    assert log.count("Booting worker with pid") >= 3, log[-2000:]
    assert "Autorestarting worker" in log, log[-2000:]
    assert os.environ.get("FIELDCASE_MAX_REQUESTS") is None  # the setting came from the test only
