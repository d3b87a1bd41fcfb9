"""deploy/nginx/fieldcase.conf, run by a real nginx in front of a real gunicorn: syncs pass, a cut
tus upload resumes exactly where its bytes stopped, and a silent client never reaches gunicorn."""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
import requests

from .casefile.conftest import fill_evidence
from .conftest import PASSWORD
from .evidence.conftest import metadata_header
from .factories import overload_record, sync_body
from .nginx_front import half_request, read_until_closed, start_nginx

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def gunicorn_behind_proxy(gunicorn_with):
    """gunicorn set up as README "Behind nginx" says: one trusted proxy, Secure cookies."""
    return gunicorn_with(TRUSTED_PROXIES=1, SECURE_COOKIES=1)


@pytest.fixture
def front(request, gunicorn_behind_proxy, tmp_path):
    overrides = getattr(request, "param", None)
    nginx = start_nginx(gunicorn_behind_proxy.url, tmp_path / "nginx", overrides)
    yield nginx
    nginx.stop()


def login(front, username: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
    session.verify = str(front.certificate)
    answer = session.post(front.url + "/api/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return session


def test_a_sync_passes_through_nginx(front):
    officer = login(front, "officer1")
    record = overload_record()
    first = officer.post(front.url + "/api/sync", json=sync_body(record), timeout=30)
    assert first.status_code == 200 and first.json()["results"][0]["result"] == "created"
    again = officer.post(front.url + "/api/sync", json=sync_body(record), timeout=30)
    assert again.json()["results"][0]["result"] == "duplicate"
    assert officer.get(front.url + f"/api/inspections/{record['uuid']}", timeout=30).status_code == 200


def test_a_cut_tus_upload_keeps_what_arrived_and_resumes_exactly(front):
    officer = login(front, "officer1")
    record = overload_record()
    contents = fill_evidence(record)
    assert officer.post(front.url + "/api/sync", json=sync_body(record), timeout=30).status_code == 200
    entry = record["evidence"][0]
    data, entry_sha = contents[entry["uuid"]], entry["sha256"]
    created = officer.post(front.url + "/api/uploads", timeout=30, headers={
        **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata_header(
            inspection_uuid=record["uuid"], evidence_uuid=entry["uuid"], sha256=entry_sha,
            filename="photo.jpg")})
    assert created.status_code == 201, created.text
    location = urlsplit(created.headers["Location"]).path
    sent = len(data) * 2 // 3
    sock = half_request(front.url, officer, "PATCH", location, data, {
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        sent=sent, cafile=front.certificate)
    time.sleep(1.0)  # the bytes reach gunicorn as they arrive (request buffering off)
    sock.close()  # the phone's network drops mid-PATCH
    deadline, offset = time.monotonic() + 15, 0
    while time.monotonic() < deadline and offset != sent:
        head = officer.head(front.url + location, headers=TUS, timeout=30)
        offset = int(head.headers.get("Upload-Offset", 0)) if head.status_code == 200 else 0
        time.sleep(0.2)
    assert offset == sent, f"the server kept {offset} of the {sent} bytes that arrived"
    rest = officer.patch(front.url + location, data=data[offset:], timeout=30, headers={
        **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
    assert rest.status_code == 204, rest.text
    assert rest.headers["X-Evidence-Status"] == "received"
    assert rest.headers["X-Evidence-SHA256"] == entry_sha


@pytest.mark.parametrize("front", [{"client_body_timeout": "2s"}], indirect=True)
def test_a_silent_client_is_cut_off_by_nginx_and_never_reaches_gunicorn(front, gunicorn_behind_proxy):
    officer = login(front, "officer1")
    record = overload_record()
    body = json.dumps(sync_body(record)).encode()
    started = time.monotonic()
    sock = half_request(front.url, officer, "POST", "/api/sync", body,
                        {"Content-Type": "application/json"}, cafile=front.certificate)
    for _ in range(5):
        probe = time.monotonic()
        assert requests.get(front.url + "/healthz", verify=str(front.certificate), timeout=1).status_code == 200
        assert time.monotonic() - probe < 1
    answer = read_until_closed(sock)
    assert 2 <= time.monotonic() - started < 8
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]
    sock.close()
    assert "POST /api/sync" not in gunicorn_behind_proxy.log.read_text()
    assert officer.get(front.url + f"/api/inspections/{record['uuid']}", timeout=30).status_code == 404


def test_unbuffered_uploads_are_limited_per_address(front):
    officer = login(front, "officer1")
    held = [half_request(front.url, officer, "PATCH", "/api/uploads/nothing-here", b"x" * 1000, {
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        cafile=front.certificate) for _ in range(2)]
    time.sleep(0.3)
    third = officer.patch(front.url + "/api/uploads/nothing-here", data=b"x", timeout=10, headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert third.status_code == 503  # a tus client retries it
    for sock in held:
        sock.close()
