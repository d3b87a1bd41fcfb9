"""Bad input: files that lie about what they are, bombs, broken and hostile names. Each is
answered as specified, nothing half-stored remains, and the app keeps serving afterwards."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import current_app

from server.audit.models import AuditEntry
from server.evidence.models import EvidenceFile
from server.extensions import db
from server.inspections.models import Evidence

from . import samples
from .conftest import stored_files

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script><circle r="5"/></svg>')


def assert_healthy(client):
    assert client.get("/readyz").status_code == 200


def nothing_kept(storage_dir) -> bool:
    stored = list(current_app.extensions["evidence_stores"].originals.keys())
    return stored == [] and list((storage_dir / "uploads").iterdir()) == []


@pytest.mark.parametrize("content", [HTML, ELF, SVG, b"GIF89a" + b"\x00" * 50,
                                     b"%PDF-1.7\n" + b"\x00" * 50, b"PK\x03\x04" + b"\x00" * 50])
def test_files_that_are_not_accepted_media_are_refused_whatever_their_name(
        create_inspection, tus_as, storage_dir, client, content):
    record = create_inspection((content, "image/jpeg"))
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed, filename="photo.jpg").headers["Location"]
    r = tus.patch(url, content, 0)
    assert r.status_code == 415 and r.get_json()["code"] == "evidence.unsupported_type"
    assert db.session.get(Evidence, listed.uuid).received_at is None
    assert nothing_kept(storage_dir)
    assert tus.head(url).status_code == 404
    assert "evidence.rejected" in db.session.execute(sa.select(AuditEntry.action)).scalars().all()
    assert_healthy(client)


def test_a_long_upload_of_the_wrong_type_is_refused_at_its_first_chunk(create_inspection, tus_as, storage_dir):
    content = HTML * 200
    record = create_inspection((content, "video/mp4"))
    tus = tus_as("officer1")
    url = tus.create(record, record.evidence[0]).headers["Location"]
    r = tus.patch(url, content[:5000], 0)
    assert r.status_code == 415
    assert nothing_kept(storage_dir)


def test_a_decompression_bomb_is_refused_fast(create_inspection, tus_as, storage_dir, client):
    bomb = samples.png_bomb(10_000)  # 100 MP of grey in about 100 KB
    record = create_inspection((bomb, "image/png"))
    tus = tus_as("officer1")
    url = tus.create(record, record.evidence[0]).headers["Location"]
    started = time.monotonic()
    r = tus.patch(url, bomb, 0)
    assert time.monotonic() - started < 1.0
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.image_too_large"
    assert nothing_kept(storage_dir)
    assert_healthy(client)


@pytest.mark.parametrize("width, height", [(0, 0), (0, 120), (160, 0)])
def test_an_image_of_zero_size_is_refused_as_not_an_image(create_inspection, tus_as, storage_dir, client,
                                                          width, height):
    empty = samples.png_of_size(width, height)
    record = create_inspection((empty, "image/png"))
    listed = record.evidence[0]
    r = tus_as("officer1").upload(record, listed)
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.image_unreadable"
    assert "照片无法识别" in r.get_json()["detail"]
    assert db.session.get(Evidence, listed.uuid).received_at is None
    assert db.session.get(EvidenceFile, listed.uuid) is None
    assert nothing_kept(storage_dir)
    assert "evidence.rejected" in db.session.execute(sa.select(AuditEntry.action)).scalars().all()
    assert_healthy(client)


def test_a_readable_png_of_one_pixel_is_received(create_inspection, tus_as, login_as):
    record = create_inspection((samples.png_of_size(1, 1), "image/png"))
    assert tus_as("officer1").upload(record, record.evidence[0]).status_code == 204
    item = login_as("officer1").get(f"/api/evidence/{record.evidence[0].uuid}").get_json()
    assert item["file"]["width"] == 1 and item["file"]["flags"] == []


def test_a_truncated_jpeg_declared_with_the_full_files_hash_is_a_mismatch(create_inspection, tus_as, storage_dir):
    full = samples.jpeg()
    truncated = full[: len(full) // 2]
    record = create_inspection(truncated, declared={0: hashlib.sha256(full).hexdigest()})
    r = tus_as("officer1").upload(record, record.evidence[0])
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.hash_mismatch"
    assert nothing_kept(storage_dir)


def test_a_truncated_jpeg_with_its_own_hash_is_kept_as_sent_and_flagged(create_inspection, tus_as, login_as):
    truncated = samples.jpeg()[:3000]
    record = create_inspection(truncated)
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    item = login_as("officer1").get(f"/api/evidence/{listed.uuid}").get_json()
    assert item["status"] == "received" and item["links"]["thumbnail"] is None
    assert "media_unreadable" in [f["code"] for f in item["file"]["flags"]]


def test_a_jpeg_with_a_script_appended_is_stored_byte_exact_and_never_served_as_html(
        create_inspection, tus_as, login_as, storage_dir):
    polyglot = samples.jpeg() + b"<html><script>alert(document.cookie)</script></html>"
    record = create_inspection(polyglot)
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    stored = stored_files(current_app.extensions["evidence_stores"].originals)
    assert stored == {listed.sha256: polyglot}
    client = login_as("supervisor1")
    for query in ("", "?download=true"):
        r = client.get(f"/api/evidence/{listed.uuid}/original{query}")
        assert r.status_code == 200 and r.data == polyglot
        assert r.headers["Content-Type"] == "image/jpeg"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get(f"/api/evidence/{listed.uuid}/thumbnail").headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("raw, cleaned", [
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("..\\..\\windows\\system32.jpg", "system32.jpg"),
    ("photo\x00.php.jpg", "photo.php.jpg"),
    ("a\r\nSet-Cookie: pwned=1.jpg", "aSet-Cookie: pwned=1.jpg"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("..", None),
    ("现场" * 150 + ".jpg", "现场" * 48 + ".jpg"),
    ("x" * 300, "x" * 100),
])
def test_hostile_file_names_are_kept_only_as_cleaned_display_names(
        create_inspection, tus_as, login_as, raw, cleaned):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    created = tus.create(record, listed, filename=raw)
    assert created.status_code == 201
    assert tus.patch(created.headers["Location"], listed.data, 0).status_code == 204
    client = login_as("officer1")
    assert client.get(f"/api/evidence/{listed.uuid}").get_json()["file"]["filename"] == cleaned
    disposition = client.get(f"/api/evidence/{listed.uuid}/original").headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename*")[0]
    assert disposition.split(";")[0] == "inline" and disposition.count('"') == 2
    ascii_part = disposition.split('filename="')[1].split('"')[0]
    assert ascii_part.isascii() and ascii_part.endswith(".jpg") and ".." not in ascii_part


def test_a_wav_header_claiming_4_gb_is_measured_by_its_bytes(create_inspection, tus_as, login_as, client):
    lying = samples.wav_claiming_4gb(0.5)
    record = create_inspection((lying, "audio/wav"))
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    file = login_as("officer1").get(f"/api/evidence/{listed.uuid}").get_json()["file"]
    assert file["media_type"] == "audio/wav" and file["duration_s"] == pytest.approx(0.5, abs=0.01)
    assert "header_inconsistent" in [f["code"] for f in file["flags"]]
    assert_healthy(client)


@pytest.mark.parametrize("make, declared, media_type, kind", [
    (lambda: samples.jpeg(), "image/jpeg", "image/jpeg", "photo"),
    (lambda: samples.image("PNG"), "image/png", "image/png", "photo"),
    (lambda: samples.image("WEBP"), "image/webp", "image/webp", "photo"),
    (lambda: samples.image("HEIF"), "image/heic", "image/heic", "photo"),
    (lambda: samples.webm(video=False), "audio/webm", "audio/webm", "audio"),
    (lambda: samples.ogg_opus(), "audio/ogg", "audio/ogg", "audio"),
    (lambda: samples.mp4(video=False, brand=b"M4A "), "audio/mp4", "audio/mp4", "audio"),
    (lambda: samples.wav(), "audio/wav", "audio/wav", "audio"),
    (lambda: samples.mp3(), "audio/mpeg", "audio/mpeg", "audio"),
    (lambda: samples.mp4(), "video/mp4", "video/mp4", "video"),
    (lambda: samples.webm(), "video/webm", "video/webm", "video"),
], ids=["jpeg", "png", "webp", "heic", "webm-opus", "ogg-opus", "m4a", "wav", "mp3", "mp4", "webm"])
def test_every_accepted_type_is_recognised_from_its_bytes(
        create_inspection, tus_as, login_as, make, declared, media_type, kind):
    data = make()
    record = create_inspection((data, declared))
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed, chunk=max(1, len(data) // 2)).status_code == 204
    file = db.session.get(EvidenceFile, listed.uuid)
    assert (file.media_type, file.kind) == (media_type, kind)
    if kind == "photo":
        assert file.width and file.height and file.has_previews
    else:
        assert file.duration_s and file.duration_s > 0 and file.codec
    assert file.flags == []
    r = login_as("officer2").get(f"/api/evidence/{listed.uuid}/original")
    assert r.headers["Content-Type"] == media_type and r.data == data


def test_a_type_other_than_declared_is_accepted_but_flagged(create_inspection, tus_as):
    record = create_inspection((samples.image("PNG"), "image/jpeg"))
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    flags = db.session.get(EvidenceFile, listed.uuid).flags
    assert [f["code"] for f in flags] == ["media_type_differs"]
    assert "image/png" in flags[0]["detail"]


def test_exif_from_the_future_and_nonsense_gps_do_not_break_anything(create_inspection, tus_as):
    odd = samples.jpeg(taken=datetime(9999, 12, 31, 23, 59, 59), offset="+99:99", gps=(95.0, 200.0))
    record = create_inspection(odd)
    listed = record.evidence[0]
    assert tus_as("officer1").upload(record, listed).status_code == 204
    file = db.session.get(EvidenceFile, listed.uuid)
    assert file.gps_latitude is None and file.exif_offset is None
