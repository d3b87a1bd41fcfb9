"""A gunicorn worker's memory while 12 MP phone photos arrive from four phones at once, then
hostile photos (a PNG bomb, a JPEG claiming 60,000² pixels): the worker never decodes pixels
(a child process does), so it stays near where it started, far under 200 MB."""
from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from server.evidence.storage import get_stores
from testing.tus import TUS

from . import samples
from .conftest import stored_files

PHOTOS = 24
GROWTH_LIMIT_MB = 30


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def the_worker(server) -> int:
    master = server.process.pid
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(workers) == 1
    return int(workers[0])


def send(server, session, record, listed) -> int:
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
        "inspection_uuid": str(record.uuid), "evidence_uuid": str(listed.uuid), "sha256": listed.sha256,
        "filename": "IMG.jpg"}.items())
    created = session.post(server.url + "/api/uploads", headers={
        **TUS, "Upload-Length": str(len(listed.data)), "Upload-Metadata": meta})
    assert created.status_code == 201, created.text
    answer = session.patch(created.headers["Location"], data=listed.data, headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    return answer.status_code


def giant_jpeg() -> bytes:
    """A real JPEG whose frame header claims 60,000 × 60,000 pixels (3.6 gigapixels)."""
    photo = samples.jpeg(640, 480)
    frame = photo.index(b"\xff\xc0")
    return photo[:frame + 5] + (60000).to_bytes(2, "big") * 2 + photo[frame + 9:]


@pytest.mark.live
def test_the_worker_stays_small_through_photos_from_four_phones_and_bombs(gunicorn_with, create_inspection):
    photos = [samples.phone_photo(n, datetime(2026, 11, 30, 9, 0, n)) for n in range(PHOTOS + 1)]
    record = create_inspection(*photos)
    hostile = create_inspection((samples.png_bomb(10_000), "image/png"), giant_jpeg())
    server = gunicorn_with(WORKERS=1, THREADS=4)
    worker = the_worker(server)
    sessions = [server.login(name) for name in ("officer1", "officer2", "officer1", "officer2")]
    assert send(server, sessions[0], record, record.evidence[0]) == 204  # warms the worker up
    assert sessions[0].get(f"{server.url}/api/evidence/{record.evidence[0].uuid}/thumbnail").status_code == 200
    before = rss_mb(worker)

    def phone(n: int) -> list[int]:
        return [send(server, sessions[n], record, listed) for listed in record.evidence[1 + n::4]]

    with ThreadPoolExecutor(4) as pool:
        answers = [status for statuses in pool.map(phone, range(4)) for status in statuses]
    assert answers == [204] * PHOTOS
    for listed in record.evidence:  # a reviewer opens the list: every thumbnail is there
        thumbnail = sessions[1].get(f"{server.url}/api/evidence/{listed.uuid}/thumbnail")
        assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"
    for listed in hostile.evidence:
        r = sessions[0].post(server.url + "/api/uploads", headers={
            **TUS, "Upload-Length": str(len(listed.data)),
            "Upload-Metadata": f"inspection_uuid {base64.b64encode(str(hostile.uuid).encode()).decode()},"
                               f"evidence_uuid {base64.b64encode(str(listed.uuid).encode()).decode()},"
                               f"sha256 {base64.b64encode(listed.sha256.encode()).decode()}"})
        refused = sessions[0].patch(r.headers["Location"], data=listed.data, headers={
            **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert refused.status_code == 422 and refused.json()["code"] == "evidence.image_too_large"
        assert refused.headers["Content-Type"] == "application/problem+json"
    after = rss_mb(worker)
    assert after - before < GROWTH_LIMIT_MB, f"worker grew from {before:.0f} to {after:.0f} MB"
    assert after < 200
    originals = stored_files(get_stores().originals)  # byte for byte, SHA-256 of each checked
    assert sorted(originals) == sorted(hashlib.sha256(p).hexdigest() for p in photos)
    assert all(hashlib.sha256(data).hexdigest() == key for key, data in originals.items())
