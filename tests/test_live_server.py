"""The app under a real gunicorn on loopback, used as curl or a phone would use it."""
import pytest
import requests

pytestmark = pytest.mark.live


def test_login_with_csrf_over_http(live_server):
    s = requests.Session()
    assert s.get(live_server.url + "/healthz").json()["status"] == "ok"
    assert s.get(live_server.url + "/readyz").status_code == 200
    r = s.post(live_server.url + "/api/session", json={"username": "officer1", "password": "correct-horse-battery"})
    assert r.status_code == 200
    token = r.json()["csrf_token"]
    assert s.get(live_server.url + "/api/me").json()["username"] == "officer1"
    r = s.delete(live_server.url + "/api/session")
    assert r.status_code == 403 and r.headers["Content-Type"] == "application/problem+json"
    assert s.delete(live_server.url + "/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert s.get(live_server.url + "/api/me").status_code == 401


def test_a_failed_login_on_one_worker_counts_on_the_others(live_server):
    for _ in range(5):
        requests.post(live_server.url + "/api/session", json={"username": "officer2", "password": "wrong-password"})
    r = requests.post(live_server.url + "/api/session",
                      json={"username": "officer2", "password": "correct-horse-battery"})
    assert r.status_code == 429
