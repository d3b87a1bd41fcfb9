"""tus across app servers (issue 21): two gunicorns on one database, one staging folder and one
SeaweedFS. An upload started on server A resumes through server B after A is killed, and ends
complete and verified in the object store; a PATCH through one server is refused while another
server holds the upload (PostgreSQL: an advisory lock every server honours; SQLite: the flock).
Run on PostgreSQL with scripts/with-postgres.sh."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import socket
import time

import psycopg
import pytest
import sqlalchemy as sa

from server.evidence.upload_lock import UPLOAD_LOCK_CLASS, lock_key
from server.extensions import db
from server.inspections.models import Evidence
from testing.media import _box, mp4

from .conftest import TUS
from .test_live_uploads import create, head_offset

pytestmark = pytest.mark.live


@pytest.fixture
def evidence_store_config(seaweedfs):
    """Both servers keep evidence in the same fresh SeaweedFS buckets."""
    return seaweedfs.settings()


def kill_hard(server) -> None:
    """SIGKILL the gunicorn master and its workers: no cleanup runs, as on a lost machine."""
    pid = server.process.pid
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    for child in [pid, *map(int, children)]:
        os.kill(child, signal.SIGKILL)
    server.process.wait()


def patch(session, url, body: bytes, offset: int):
    return session.patch(url, data=body, headers={
        **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def start_stalled_patch(server, session, url, body: bytes, offset: int, sent: int) -> socket.socket:
    """A PATCH announcing `body`, of which only `sent` bytes arrive: it holds the upload."""
    host, port = server.url.removeprefix("http://").split(":")
    path = url.split(server.url, 1)[1]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    sock = socket.create_connection((host, int(port)))
    sock.sendall((f"PATCH {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n"
                  f"X-CSRF-Token: {session.headers['X-CSRF-Token']}\r\nTus-Resumable: 1.0.0\r\n"
                  f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:sent])
    return sock


def test_an_upload_started_on_a_resumes_on_b_after_a_is_killed(
        app, gunicorn_with, create_inspection, runner):
    data = mp4() + _box(b"mdat", random.Random(7).randbytes(12 * 1024 * 1024))  # body camera
    record = create_inspection((data, "video/mp4"))
    listed = record.evidence[0]
    server_a = gunicorn_with(EVIDENCE_LOCK_WAIT_SECONDS=1, WORKERS=1)
    server_b = gunicorn_with(EVIDENCE_LOCK_WAIT_SECONDS=1, WORKERS=1)
    on_a = server_a.login("officer1")
    url = create(on_a, server_a, record, listed)
    assert patch(on_a, url, data[:3_000_000], 0).status_code == 204
    stalled = start_stalled_patch(server_a, on_a, url, data[3_000_000:], 3_000_000, 2_000_000)
    try:
        time.sleep(1)
        kill_hard(server_a)  # mid-body
    finally:
        stalled.close()
    on_b = server_b.login("officer1")
    url_b = url.replace(server_a.url, server_b.url)
    offset = head_offset(on_b, url_b)
    assert 3_000_000 <= offset <= 5_000_000  # what A received and wrote is kept
    answer = patch(on_b, url_b, data[offset:], offset)
    assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
    assert answer.headers["X-Evidence-SHA256"] == listed.sha256
    db.session.remove()
    assert db.session.get(Evidence, listed.uuid).received_at is not None
    originals = app.extensions["evidence_stores"].originals
    digest = hashlib.sha256()
    with originals.open(listed.sha256) as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == listed.sha256 and originals.size(listed.sha256) == len(data)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_two_servers_never_write_one_upload_at_once(app, gunicorn_with, create_inspection,
                                                    database_url):
    data = b"\xff\xd8\xff\xe0" + random.Random(3).randbytes(400_000)
    record = create_inspection(data)
    listed = record.evidence[0]
    server_a = gunicorn_with(EVIDENCE_LOCK_WAIT_SECONDS=1, WORKERS=1)
    server_b = gunicorn_with(EVIDENCE_LOCK_WAIT_SECONDS=1, WORKERS=1)
    on_a, on_b = server_a.login("officer1"), server_b.login("officer1")
    url = create(on_a, server_a, record, listed)
    url_b = url.replace(server_a.url, server_b.url)
    stalled = start_stalled_patch(server_a, on_a, url, data, 0, 1000)
    try:
        time.sleep(0.5)
        refused = patch(on_b, url_b, data[:1000], 0)
        assert refused.status_code == 423 and refused.headers["Retry-After"] == "2"
        on_b.close()  # a refused body is left unread: the server closes that connection
    finally:
        stalled.close()
    offset = head_offset(on_b, url_b)
    upload_id = url.rsplit("/", 1)[1]
    if sa.engine.make_url(database_url).get_backend_name() == "postgresql":
        # The lock lives in PostgreSQL, not on this machine's disk: a server elsewhere holding
        # it (here, a plain connection) is honoured by B.
        plain_url = sa.engine.make_url(database_url).set(drivername="postgresql")
        with psycopg.connect(plain_url.render_as_string(hide_password=False),
                             autocommit=True) as other_server:
            args = (UPLOAD_LOCK_CLASS, lock_key(upload_id))
            other_server.execute("SELECT pg_advisory_lock(%s, %s)", args)
            assert patch(on_b, url_b, data[offset:offset + 1000], offset).status_code == 423
            on_b.close()
            other_server.execute("SELECT pg_advisory_unlock(%s, %s)", args)
    answer = patch(on_b, url_b, data[offset:], offset)
    assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
