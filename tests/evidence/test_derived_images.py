"""Thumbnails and previews off the upload's path: the upload is answered once its original and
EXIF facts are recorded; the thumbnail follows from a queue, or is made when a page asks for it
first; a lost one is made again; pixels are decoded in a child process, never in the worker."""
from __future__ import annotations

import hashlib
import io
import os
import signal
import time
from pathlib import Path

import pytest
from PIL import Image

from server.evidence.decoder import DecodeFailed, Decoder
from server.evidence.derived import DerivedImages, get_derived_images
from server.evidence.photos import THUMBNAIL_PX

from . import samples
from .conftest import PLACE, stored_files, thumbnails_made


def photo() -> bytes:
    return samples.jpeg(1600, 1200, orientation=6, gps=PLACE)


def test_the_upload_is_answered_before_its_thumbnail_which_a_page_asking_early_gets_made(
        app, create_inspection, tus_as, login_as):
    record = create_inspection(photo())
    listed = record.evidence[0]
    images = get_derived_images()
    key = f"{listed.sha256}.thumbnail.jpg"
    with images.decoder._lock:  # the decoding child is busy: the upload must not wait for it
        answer = tus_as("officer1").upload(record, listed)
        assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
        assert not images.stores.derived.exists(key)
    page = login_as("officer2").get(f"/api/evidence/{listed.uuid}")
    assert page.get_json()["links"]["thumbnail"].endswith("/thumbnail")
    thumbnail = login_as("officer2").get(f"/api/evidence/{listed.uuid}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumbnail.data))
    assert max(image.size) == THUMBNAIL_PX and image.height > image.width  # upright (orientation 6)
    assert images.stores.derived.exists(key)


def test_a_lost_thumbnail_is_made_again_beside_the_untouched_original(app, create_inspection, tus_as,
                                                                      login_as, runner):
    record = create_inspection(photo())
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    thumbnails_made(app)
    stores = get_derived_images().stores
    key = f"{listed.sha256}.thumbnail.jpg"
    made = stored_files(stores.derived)[key]
    stores.derived.delete(key)
    again = login_as("officer1").get(f"/api/evidence/{listed.uuid}/thumbnail")
    assert again.status_code == 200 and again.data == made  # the same bytes, made again
    assert stored_files(stores.derived) == {key: made}
    original = stored_files(stores.originals)[listed.sha256]
    assert original == listed.data and hashlib.sha256(original).hexdigest() == listed.sha256
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def undecodable_jpeg() -> bytes:
    """A whole JPEG (header readable, end marker present) whose Huffman table is nonsense: only
    decoding its pixels finds out."""
    data = bytearray(samples.jpeg(640, 480))
    table = data.index(b"\xff\xc4")
    data[table + 5:table + 21] = b"\xff" * 16  # code counts that add up to far more than 256
    return bytes(data)


def test_a_photo_that_cannot_be_decoded_is_kept_and_answers_no_preview(app, create_inspection, tus_as,
                                                                      login_as, client):
    data = undecodable_jpeg()
    record = create_inspection(data)
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    thumbnails_made(app)
    answer = login_as("officer1").get(f"/api/evidence/{listed.uuid}/thumbnail")
    assert answer.status_code == 404 and answer.get_json()["code"] == "evidence.no_preview"
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert stored_files(get_derived_images().stores.originals) == {listed.sha256: data}
    assert client.get("/readyz").status_code == 200


@pytest.fixture
def photo_file(tmp_path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo())
    return path


def test_the_decoding_child_is_replaced_after_its_quota_and_after_it_dies(photo_file):
    decoder = Decoder(64_000_000, max_jobs=2, idle_seconds=60)
    try:
        made = [decoder.make(photo_file, ["thumbnail"])["thumbnail"] for _ in range(3)]
        assert decoder.children_started == 2 and len(set(made)) == 1
        os.kill(decoder.child_pid, signal.SIGKILL)  # a hostile file crashed it, say
        assert decoder.make(photo_file, ["thumbnail"])["thumbnail"] == made[0]
        assert decoder.children_started == 3
    finally:
        decoder.close()
    assert decoder.child_pid is None


def test_a_child_that_hangs_on_a_photo_is_killed_and_costs_that_photo_only(photo_file):
    decoder = Decoder(64_000_000)
    try:
        decoder.make(photo_file, ["thumbnail"])  # the child is up (its start may be slow)
        decoder.answer_seconds = 1
        hung = decoder.child_pid
        os.kill(hung, signal.SIGSTOP)  # stuck in a hostile file, say
        with pytest.raises(DecodeFailed):
            decoder.make(photo_file, ["thumbnail"])
        assert decoder.make(photo_file, ["preview"])["preview"][:3] == b"\xff\xd8\xff"
        assert decoder.child_pid != hung and decoder.children_started == 2
    finally:
        decoder.close()


def test_the_decoding_child_is_stopped_once_idle(app, create_inspection, tus_as):
    record = create_inspection(photo())
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    images = DerivedImages(get_derived_images().stores, Decoder(64_000_000, idle_seconds=1))
    images.ensure(listed.sha256, "preview")  # a page asked for the preview
    child = images.decoder._child
    assert child.poll() is None and images.stores.derived.exists(f"{listed.sha256}.preview.jpg")
    deadline = time.monotonic() + 30
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert images.decoder.child_pid is None and child.poll() is not None  # it exited, memory freed


def test_a_decoding_child_whose_worker_is_gone_leaves_quietly(tmp_path):
    """A worker killed mid-request (the chaos suite kills gunicorn) leaves its child writing into a
    closed pipe: the child exits without a traceback in the server's log."""
    import json
    import subprocess
    import sys

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not a jpeg at all")
    child = subprocess.Popen([sys.executable, "-m", "server.evidence.decoder", "1000000"],
                             cwd=Path(__file__).resolve().parents[2], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the worker is gone before the answer
    child.stdin.write(json.dumps({"path": str(photo), "variants": ["thumbnail"]}).encode() + b"\n")
    child.stdin.close()
    assert child.wait(60) == 0
    assert b"Traceback" not in child.stderr.read()


def test_copies_of_originals_left_by_a_killed_worker_are_removed_when_a_worker_starts(app):
    """A worker killed while decoding a remote original (SIGKILL, a power cut) leaves its local
    copy behind: the next worker to build its decoder (its first photo) removes copies over an hour old, and
    leaves a copy being decoded now, and anything else in the folder, alone."""
    from server.evidence.derived import STALE_COPY_SECONDS
    from server.evidence.uploads import staging_dir

    work_dir = staging_dir(app.config) / "decoding"
    work_dir.mkdir(parents=True)
    old = time.time() - STALE_COPY_SECONDS - 60
    left, busy, other, folder = (work_dir / "original-left.tmp", work_dir / "original-busy.tmp",
                                 work_dir / "notes.tmp", work_dir / "original-dir.tmp")
    for path in (left, busy, other):
        path.write_bytes(b"\xff\xd8\xff" + b"\0" * 100)
    folder.mkdir()
    for path in (left, other, folder):
        os.utime(path, (old, old))
    images = get_derived_images()  # the worker's first use builds its decoder
    assert images.work_dir == work_dir
    assert not left.exists()
    assert busy.exists() and other.exists() and folder.is_dir()
