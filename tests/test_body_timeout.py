"""A request body that goes silent half-way is cut off after REQUEST_BODY_IDLE_SECONDS with 408
and no effect; meanwhile it holds neither /healthz nor the database's writer from anyone else."""
from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from server.extensions import db

from .conftest import start_gunicorn, stop_gunicorn
from .factories import overload_record, sync_body

IDLE = 2  # seconds, for the test (the default is 30: server/config.py)


@pytest.fixture
def quick_server(app, personas, database_url, storage_dir, tmp_path):
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log",
                            extra_env={"FIELDCASE_REQUEST_BODY_IDLE_SECONDS": str(IDLE)})
    yield server
    stop_gunicorn(server)


def send_half(url: str, session: requests.Session, method: str, path: str, body: bytes) -> socket.socket:
    """Open a connection, send the head and half the body of a JSON request, and go quiet."""
    host, port = url.removeprefix("http://").split(":")
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {cookies}\r\n"
            f"X-CSRF-Token: {session.headers['X-CSRF-Token']}\r\n\r\n")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(head.encode() + body[:len(body) // 2])
    return sock


def read_answer(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_half_sent_sync_is_cut_off_with_408_and_no_effect(quick_server):
    officer = quick_server.login("officer1")
    record = overload_record()
    started = time.monotonic()
    sock = send_half(quick_server.url, officer, "POST", "/api/sync",
                     json.dumps(sync_body(record)).encode())
    for _ in range(5):  # others are served meanwhile
        probe = time.monotonic()
        assert requests.get(quick_server.url + "/healthz", timeout=1).status_code == 200
        assert time.monotonic() - probe < 1
    answer = read_answer(sock)  # the server closes the connection after its answer
    waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer and b'"code":"request.timeout"' in answer.replace(b" ", b"")
    assert IDLE <= waited < IDLE + 5
    sock.close()
    listed = officer.get(quick_server.url + f"/api/inspections/{record['uuid']}")
    assert listed.status_code == 404  # nothing was stored


def test_a_half_sent_write_does_not_hold_the_writer_from_a_sync(quick_server):
    admin = quick_server.login("admin")
    sock = send_half(quick_server.url, admin, "POST", "/api/teams",
                     json.dumps({"code": "Z", "name": "执法Z中队"}).encode())
    time.sleep(0.3)  # the half request is in the server
    officer = quick_server.login("officer1")
    started = time.monotonic()
    answer = officer.post(quick_server.url + "/api/sync", json=sync_body(overload_record()), timeout=30)
    assert answer.status_code == 200 and answer.json()["results"][0]["result"] == "created"
    assert time.monotonic() - started < 1.5, "the sync waited for the silent request's transaction"
    assert read_answer(sock).startswith(b"HTTP/1.1 408")
    sock.close()
    teams = admin.get(quick_server.url + "/api/teams").json()
    assert "Z" not in json.dumps(teams)


def test_a_client_that_goes_on_sending_after_the_408_is_not_read(quick_server):
    officer = quick_server.login("officer1")
    body = json.dumps(sync_body(overload_record())).encode()
    sock = send_half(quick_server.url, officer, "POST", "/api/sync", body)
    sock.settimeout(IDLE + 5)
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 408")
    try:
        sock.sendall(body[len(body) // 2:])
        rest = read_answer(sock)  # the connection ends: no second answer, no held thread
    except (ConnectionResetError, BrokenPipeError):
        rest = b""
    assert b"HTTP/1.1" not in rest
    sock.close()
