"""Under gunicorn, as deployed: each process's delivery thread pushes an event as soon as the
write that caused it commits; nobody runs `export deliver`."""
from __future__ import annotations

import time

from server.extensions import db
from testing.live import start_gunicorn, stop_gunicorn

from .receiver import Receiver


def test_the_delivery_thread_pushes_what_a_request_wrote(app, personas, endpoint, database_url,
                                                         storage_dir, tmp_path):
    with Receiver() as receiver:
        receiver.secret = endpoint(receiver.url)
        db.session.remove()
        server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log",
                                extra_env={"FIELDCASE_EXPORT_POLL_SECONDS": "600"})
        try:
            admin = server.login("admin")
            officer3 = admin.get(server.url + "/api/users").json()
            officer3 = next(u for u in officer3 if u["username"] == "officer3")
            answer = admin.patch(f"{server.url}/api/users/{officer3['id']}", json={"active": False},
                                 timeout=30)
            assert answer.status_code == 200, answer.text
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                    e["type"] == "officer.disabled" for e in receiver.accepted.values()):
                time.sleep(0.1)
        finally:
            stop_gunicorn(server)
    disabled = [e for e in receiver.accepted.values() if e["type"] == "officer.disabled"]
    assert len(disabled) == 1 and disabled[0]["data"]["officer"]["username"] == "officer3"
    # The personas' accounts, created before the server started, were pushed too (officers,
    # supervisor, legal reviewer; not the administrator).
    created = sorted(e["data"]["officer"]["username"] for e in receiver.accepted.values()
                     if e["type"] == "officer.created")
    assert created == ["officer1", "officer2", "officer3", "reviewer1", "supervisor1"]
    assert receiver.bad_signatures == []
    assert len(receiver.requests) == len(receiver.accepted)  # two processes, no event twice
