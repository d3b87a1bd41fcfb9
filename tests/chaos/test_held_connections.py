"""Held connections: 48 clients each send half a /api/sync body and go quiet, and 24 more half a
tus PATCH, all through deploy/nginx/fieldcase.conf; meanwhile every probe on a fresh connection,
through nginx or straight to gunicorn, answers within 1 s. Loopback only, about 10 s."""
from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from ..casefile.conftest import fill_evidence
from ..evidence.conftest import metadata_header
from ..factories import overload_record, sync_body
from ..nginx_front import half_request, start_nginx

HELD_SYNCS = 48
HELD_PATCHES = 24  # from 12 loopback addresses, two each (nginx's limit per address)
PROBE_SECONDS = 6
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def nginx(live_server, tmp_path):
    front = start_nginx(live_server.url, tmp_path / "nginx")
    yield front
    front.stop()


def uploads_of_a_record(session: requests.Session, url: str) -> list[str]:
    """The tus locations of a synced record's seven listed photos."""
    record = overload_record()
    contents = fill_evidence(record)
    assert session.post(url + "/api/sync", json=sync_body(record), timeout=30).status_code == 200
    locations = []
    for entry in record["evidence"]:
        created = session.post(url + "/api/uploads", timeout=30, headers={
            **TUS, "Upload-Length": str(len(contents[entry["uuid"]])), "Upload-Metadata": metadata_header(
                inspection_uuid=record["uuid"], evidence_uuid=entry["uuid"], sha256=entry["sha256"],
                filename="photo.jpg")})
        assert created.status_code == 201, created.text
        locations.append(urlsplit(created.headers["Location"]).path)
    return locations


def probe(url: str, path: str, cafile) -> float:
    """Seconds a fresh connection takes to get 200 (a failure if it takes 1 s or more)."""
    session = requests.Session()
    session.trust_env = False
    started = time.monotonic()
    answer = session.get(url + path, timeout=1, verify=str(cafile) if cafile else True)
    assert answer.status_code == 200, answer.text
    return time.monotonic() - started


def test_held_half_bodies_never_keep_probes_waiting(live_server, nginx, personas):
    officer = live_server.login("officer1")
    via_nginx = requests.Session()
    via_nginx.trust_env = False
    via_nginx.cookies, via_nginx.headers = officer.cookies, officer.headers
    locations = uploads_of_a_record(officer, live_server.url)
    body = json.dumps(sync_body(overload_record())).encode()
    held = [half_request(nginx.url, via_nginx, "POST", "/api/sync", body,
                         {"Content-Type": "application/json"}, cafile=nginx.certificate)
            for _ in range(HELD_SYNCS)]
    patches = [half_request(nginx.url, via_nginx, "PATCH", locations[i % len(locations)], b"\xff" * 4096, {
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        cafile=nginx.certificate, source=f"127.0.0.{10 + i // 2}") for i in range(HELD_PATCHES)]
    try:
        slowest, probes = {}, 0
        deadline = time.monotonic() + PROBE_SECONDS
        while time.monotonic() < deadline:
            for url, path, cafile in ((nginx.url, "/healthz", nginx.certificate),
                                      (nginx.url, "/readyz", nginx.certificate),
                                      (live_server.url, "/healthz", None)):
                where = ("nginx" if url == nginx.url else "gunicorn") + path
                slowest[where] = max(slowest.get(where, 0.0), probe(url, path, cafile))
                probes += 1
            time.sleep(0.1)
        times = ", ".join(f"{where} {seconds:.3f} s" for where, seconds in slowest.items())
        print(f"{probes} probes, slowest: {times}, while {HELD_SYNCS} syncs and "
              f"{HELD_PATCHES} PATCHes were held")
        # Beyond nginx's limit (6 at once), held PATCHes were refused at once, never queued.
        refused = 0
        for sock in patches:
            sock.settimeout(0.2)
            try:
                refused += sock.recv(64).startswith(b"HTTP/1.1 503")
            except (socket.timeout, OSError):
                pass
        assert refused >= HELD_PATCHES - 6, refused
    finally:
        for sock in held + patches:
            sock.close()
    # None of the half-sent syncs reached the app: the only sync it saw is the setup's.
    assert live_server.log.read_text().count('"POST /api/sync ') == 1
