"""Uploads over real HTTP to gunicorn, as a phone on a bad link makes them: connections cut at
random bytes and resumed, a connection that goes silent, and a real tus client (tuspy)."""
from __future__ import annotations

import hashlib
import io
import random
import socket
import struct
import time

import pytest
import requests
import sqlalchemy as sa
from flask import current_app
from tusclient import client as tus_client
from tusclient.uploader import Uploader

from server.audit.models import AuditEntry
from server.extensions import db
from server.inspections.models import Evidence, Inspection

from .conftest import TUS, metadata_header, stored_files

pytestmark = pytest.mark.live


def create(session: requests.Session, server, record, listed) -> str:
    r = session.post(server.url + "/api/uploads", headers={
        **TUS, "Upload-Length": str(len(listed.data)),
        "Upload-Metadata": metadata_header(inspection_uuid=str(record.uuid),
                                           evidence_uuid=str(listed.uuid), sha256=listed.sha256,
                                           filename="bodycam.mp4")})
    assert r.status_code == 201, r.text
    return r.headers["Location"]


def head_offset(session, url) -> int:
    """The server's offset, waiting while the cut connection's request is still winding down."""
    for _ in range(100):
        r = session.head(url, headers=TUS)
        if r.status_code != 423:
            assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
            return int(r.headers["Upload-Offset"])
        time.sleep(0.05)
    raise AssertionError("upload stayed locked")


def raw_patch(server, session, url: str, offset: int, length: int) -> tuple[socket.socket, bytes]:
    """A connection to the server, and the head of a tus PATCH of `url` at `offset` announcing
    `length` body bytes: for a test that sends (part of) the body itself, byte by byte."""
    host, port = server.url.removeprefix("http://").split(":")
    path = url.split(server.url, 1)[1]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    head = (f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
            f"X-CSRF-Token: {session.headers['X-CSRF-Token']}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    return socket.create_connection((host, int(port)), timeout=60), head


def send_and_cut(server, session, url: str, body: bytes, offset: int, cut_at: int, reset: bool) -> None:
    """A PATCH announcing the whole rest, of which only `cut_at` bytes are sent before the
    connection is closed (FIN) or reset (RST)."""
    sock, head = raw_patch(server, session, url, offset, len(body))
    try:
        sock.sendall(head + body[:cut_at])
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()


def store_files() -> dict[str, bytes]:
    """The originals the evidence store (local or S3) holds, by key."""
    return stored_files(current_app.extensions["evidence_stores"].originals)


def test_uploads_cut_at_random_bytes_resume_and_complete_exactly_once(
        gunicorn_with, create_inspection, storage_dir):
    rng = random.Random(20261126)
    files = [(rng.randbytes(3 * 1024 * 1024 + 17), "video/mp4"),
             (rng.randbytes(2 * 1024 * 1024 + 5), "video/mp4")]
    files = [(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41" + data[24:], t) for data, t in files]
    record = create_inspection(*files)
    server = gunicorn_with()
    session = server.login("officer1")
    cuts = 0
    for listed in record.evidence:
        url = create(session, server, record, listed)
        offset = 0
        for _ in range(15):
            rest = listed.data[offset:]
            cut_at = rng.randrange(0, len(rest))
            send_and_cut(server, session, url, rest, offset, cut_at, reset=rng.random() < 0.5)
            cuts += 1
            new_offset = head_offset(session, url)
            # A cut request may still be queued when HEAD answers, and append its bytes later:
            # the offset only grows, and what the server holds is always a prefix of the file.
            assert offset <= new_offset <= len(listed.data)
            held = (storage_dir / "uploads" / (url.rsplit("/", 1)[1] + ".part")).read_bytes()
            assert len(held) >= new_offset and held == listed.data[:len(held)]
            assert all(key != listed.sha256 or data == listed.data
                       for key, data in store_files().items())
            offset = new_offset
        for _ in range(5):  # as a tus client does: on 409 (a late cut request wrote), HEAD and go on
            r = session.patch(url, data=listed.data[offset:], headers={
                **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            if r.status_code not in (409, 423):
                break
            offset = head_offset(session, url)
        assert r.status_code == 204, r.text
        assert r.headers["X-Evidence-Status"] == "received"
        assert r.headers["X-Evidence-SHA256"] == hashlib.sha256(listed.data).hexdigest()
    assert cuts == 30
    assert sorted(store_files()) == sorted(e.sha256 for e in record.evidence)
    for key, data in store_files().items():
        assert hashlib.sha256(data).hexdigest() == key
    assert list((storage_dir / "uploads").iterdir()) == []
    assert db.session.get(Inspection, record.uuid).status == "complete"
    completed = db.session.execute(sa.select(sa.func.count()).where(
        AuditEntry.action == "evidence.upload_completed")).scalar()
    assert completed == 2
    assert server.process.poll() is None


def test_a_silent_connection_loses_the_upload_lock(gunicorn_with, create_inspection):
    data = b"\xff\xd8\xff\xe0" + random.Random(1).randbytes(200_000)
    record = create_inspection(data)
    listed = record.evidence[0]
    server = gunicorn_with(EVIDENCE_UPLOAD_IDLE_SECONDS=2, EVIDENCE_LOCK_WAIT_SECONDS=0)
    session = server.login("officer1")
    url = create(session, server, record, listed)
    stalled, head = raw_patch(server, session, url, 0, len(data))
    stalled.sendall(head + data[:1000])
    try:
        time.sleep(0.5)
        assert session.head(url, headers=TUS).status_code == 423  # the phone is still "sending"
        deadline = time.monotonic() + 10
        while session.head(url, headers=TUS).status_code == 423:
            assert time.monotonic() < deadline, "a silent connection held the lock"
            time.sleep(0.2)
        assert head_offset(session, url) == 1000  # what arrived is kept
        r = session.patch(url, data=data[1000:], headers={
            **TUS, "Upload-Offset": "1000", "Content-Type": "application/offset+octet-stream"})
        assert r.status_code == 204 and r.headers["X-Evidence-Status"] == "received"
    finally:
        stalled.close()


class Sha256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


@pytest.mark.parametrize("uploader_class, checksum", [(Uploader, False), (Uploader, True),
                                                      (Sha256Uploader, True)])
def test_a_real_tus_client_uploads_end_to_end(gunicorn_with, create_inspection, uploader_class, checksum):
    data = b"RIFF" + (1_500_000).to_bytes(4, "little") + b"WEBPVP8 " + random.Random(2).randbytes(1_500_000)
    record = create_inspection((data, "image/webp"))
    listed = record.evidence[0]
    server = gunicorn_with()
    session = server.login("officer2")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client = tus_client.TusClient(server.url + "/api/uploads", headers={
        "Cookie": cookie, "X-CSRF-Token": session.headers["X-CSRF-Token"]})
    uploader = uploader_class(file_stream=io.BytesIO(data), client=client, chunk_size=256 * 1024,
                              upload_checksum=checksum, metadata={
                                  "inspection_uuid": str(record.uuid),
                                  "evidence_uuid": str(listed.uuid), "sha256": listed.sha256,
                                  "filename": "照片.webp"})
    uploader.upload()
    assert uploader.offset == len(data)
    item = session.get(f"{server.url}/api/evidence/{listed.uuid}").json()
    assert item["status"] == "received" and item["file"]["sha256"] == listed.sha256
    assert item["file"]["filename"] == "照片.webp"
    r = session.get(f"{server.url}/api/evidence/{listed.uuid}/original", headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and r.content == data[:10]
    assert db.session.get(Evidence, listed.uuid).received_at is not None


def test_two_uploads_of_one_evidence_finishing_together_record_it_once(gunicorn_with, create_inspection):
    import concurrent.futures

    data = b"\xff\xd8\xff\xe0" + random.Random(3).randbytes(1_000_000)
    record = create_inspection(data)
    listed = record.evidence[0]
    server = gunicorn_with()
    sessions = [server.login("officer1"), server.login("officer2")]
    urls = [create(s, server, record, listed) for s in sessions]
    for s, url in zip(sessions, urls, strict=True):  # all but the last byte
        assert s.patch(url, data=data[:-1], headers={
            **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}).status_code == 204

    def finish(i):
        return sessions[i].patch(urls[i], data=data[-1:], headers={
            **TUS, "Upload-Offset": str(len(data) - 1), "Content-Type": "application/offset+octet-stream"})

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(finish, range(2)))
    assert [a.status_code for a in answers] == [204, 204]
    assert {a.headers["X-Evidence-SHA256"] for a in answers} == {listed.sha256}
    inspection = db.session.get(Inspection, record.uuid)
    assert (inspection.evidence_received, inspection.status) == (1, "complete")
    received = db.session.execute(sa.select(sa.func.count()).where(
        AuditEntry.action == "evidence.received")).scalar()
    assert received == 1


def test_a_refused_patch_with_a_large_body_is_answered_and_its_connection_serves_the_next_request(
        gunicorn_with, create_inspection, storage_dir):
    # The server refuses a PATCH from its headers (409: the offset is not the server's; 423: the
    # upload is locked by a request still sending), before reading its body. A phone's HTTP
    # client (here http.client, which sends the whole body before reading the answer) must still
    # get that answer, not a reset, and may go on with the same kept-alive connection; nothing of
    # the refused body is stored.
    import http.client

    data = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41" + random.Random(5).randbytes(8 * 1024 * 1024)
    record = create_inspection((data, "video/mp4"))
    listed = record.evidence[0]
    # A second's wait for the lock: HEAD holds it for a moment too, and the stalled request below
    # must not be refused for meeting one of the HEADs that watch for it.
    server = gunicorn_with(EVIDENCE_LOCK_WAIT_SECONDS=1)
    session = server.login("officer1")
    url = create(session, server, record, listed)
    assert session.patch(url, data=data[:1000], headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}).status_code == 204
    host, port = server.url.removeprefix("http://").split(":")
    path = url.split(server.url, 1)[1]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    headers = {**TUS, "Cookie": cookie, "X-CSRF-Token": session.headers["X-CSRF-Token"],
               "Content-Type": "application/offset+octet-stream"}
    part = storage_dir / "uploads" / (url.rsplit("/", 1)[1] + ".part")

    phone = http.client.HTTPConnection(host, int(port), timeout=60)
    phone.request("PATCH", path, body=data[5000:], headers={**headers, "Upload-Offset": "5000"})
    refused = phone.getresponse()
    assert refused.status == 409 and refused.getheader("Upload-Offset") == "1000"
    assert refused.getheader("Content-Type") == "application/problem+json"
    refused.read()
    assert part.read_bytes() == data[:1000]

    stalled, head = raw_patch(server, session, url, 1000, len(data) - 1000)  # holds the upload's lock
    stalled.sendall(head + data[1000:2000])
    try:
        deadline = time.monotonic() + 10
        while head_offset_or_locked(session, url) != "locked":
            assert time.monotonic() < deadline, "the stalled request never took the lock"
            time.sleep(0.05)
        phone.request("PATCH", path, body=data[1000:], headers={**headers, "Upload-Offset": "1000"})
        locked = phone.getresponse()
        assert locked.status == 423 and locked.getheader("Content-Type") == "application/problem+json"
        locked.read()
    finally:
        stalled.close()
    offset = head_offset(session, url)  # what the stalled request had sent is kept
    assert part.read_bytes() == data[:offset] and offset in (1000, 2000)

    phone.request("PATCH", path, body=data[offset:], headers={**headers, "Upload-Offset": str(offset)})
    done = phone.getresponse()  # the same connection, after two refusals
    assert done.status == 204 and done.getheader("X-Evidence-Status") == "received", done.read()
    phone.close()
    assert store_files()[listed.sha256] == data


def head_offset_or_locked(session, url):
    r = session.head(url, headers=TUS)
    return "locked" if r.status_code == 423 else int(r.headers["Upload-Offset"])


def test_a_refused_body_beyond_the_drain_limit_is_answered_with_connection_close(gunicorn_with, create_inspection):
    data = b"\xff\xd8\xff\xe0" + random.Random(6).randbytes(3 * 1024 * 1024)
    record = create_inspection(data)
    server = gunicorn_with(REFUSED_BODY_DRAIN_MB=1)
    session = server.login("officer1")
    url = create(session, server, record, record.evidence[0])
    phone, head = raw_patch(server, session, url, 7, len(data))
    phone.sendall(head + data[:1024 * 1024 + 1])
    # One byte past the limit, then nothing: the server reads all that was sent, so that its
    # close is a clean FIN (unread bytes would make it a reset, racing the answer).
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += phone.recv(65536)
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    phone.close()
    assert head.startswith("http/1.1 409") and "\r\nconnection: close" in head
    assert "keep-alive" not in head
    assert head_offset(session, url) == 0
