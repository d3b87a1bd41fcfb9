"""Serving evidence: only to those who may see the inspection, with Range, safe headers, an
audit entry per download of an original, derived images upright and without metadata, and the
flags a reviewer needs."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from PIL import Image

from server.audit.models import AuditEntry
from server.clock import utcnow
from server.extensions import db

from . import samples
from .conftest import PLACE, stored_files, thumbnails_made

ALLOWED = {"officer1": True, "officer2": True, "officer3": False, "supervisor1": True,
           "reviewer1": False, "admin": True}


@pytest.fixture
def received_photo(create_inspection, tus_as):
    """A received photo of officer1 and officer2's inspection (team A)."""
    photo = samples.jpeg(1600, 1200, orientation=6, gps=PLACE, taken=datetime(2026, 5, 1, 9, 30),
                         offset="+08:00")
    record = create_inspection(photo)
    assert tus_as("officer1").upload(record, record.evidence[0], chunk=7000).status_code == 204
    return record, record.evidence[0]


def downloads() -> list[AuditEntry]:
    return db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "evidence.original_downloaded").order_by(AuditEntry.seq)).scalars().all()


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("path", ["/api/inspections/{record}/evidence", "/api/evidence/{item}",
                                  "/api/evidence/{item}/original", "/api/evidence/{item}/thumbnail",
                                  "/api/evidence/{item}/preview"])
def test_only_those_who_may_see_the_inspection_get_its_evidence(received_photo, login_as, who, path):
    record, listed = received_photo
    r = login_as(who).get(path.format(record=record.uuid, item=listed.uuid))
    assert r.status_code == (200 if ALLOWED[who] else 404), (who, path)
    if not ALLOWED[who]:
        assert listed.sha256 not in r.get_data(as_text=True)


def test_anonymous_users_get_nothing(received_photo, client):
    record, listed = received_photo
    assert client.get(f"/api/evidence/{listed.uuid}/original").status_code == 401
    assert client.get(f"/api/inspections/{record.uuid}/evidence").status_code == 401


def test_ranges_are_served_and_every_original_download_is_audited(received_photo, login_as):
    record, listed = received_photo
    client = login_as("supervisor1")
    r = client.get(f"/api/evidence/{listed.uuid}/original", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.data == listed.data[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(listed.data)}"
    assert r.headers["Accept-Ranges"] == "bytes"
    r = client.get(f"/api/evidence/{listed.uuid}/original?download=true")
    assert r.status_code == 200 and r.data == listed.data
    assert r.headers["Content-Disposition"].startswith("attachment;")
    entries = downloads()
    assert [e.actor_username for e in entries] == ["supervisor1", "supervisor1"]
    assert all(listed.sha256 in e.details for e in entries)
    assert '"range":"bytes=100-199"' in entries[0].details
    client.get(f"/api/evidence/{listed.uuid}/thumbnail")
    login_as("officer3").get(f"/api/evidence/{listed.uuid}/original")  # refused: not a download
    assert len(downloads()) == 2


@pytest.mark.parametrize("asked", ["items=0-1", "Items=0-99", "bytes=0-1,5-9", "bytes=0-9, 20-29"])
@pytest.mark.parametrize("variant", ["original", "thumbnail"])
def test_a_range_of_an_unknown_unit_or_several_ranges_get_the_whole_file(received_photo, login_as,
                                                                         asked, variant):
    # RFC 9110 §14.2: a Range of a unit the server does not support is ignored; several ranges
    # may be answered with the whole representation (200), never refused (416).
    _, listed = received_photo
    client = login_as("supervisor1")
    whole = client.get(f"/api/evidence/{listed.uuid}/{variant}")
    r = client.get(f"/api/evidence/{listed.uuid}/{variant}", headers={"Range": asked})
    assert r.status_code == 200 and r.data == whole.data and "Content-Range" not in r.headers
    assert r.headers["Accept-Ranges"] == "bytes"
    if variant == "original":
        assert r.data == listed.data
        assert '"range":null' in downloads()[-1].details  # the whole file left


def test_a_byte_range_beyond_the_file_is_still_not_satisfiable(received_photo, login_as):
    _, listed = received_photo
    r = login_as("supervisor1").get(f"/api/evidence/{listed.uuid}/original",
                                    headers={"Range": f"bytes={len(listed.data) + 10}-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(listed.data)}"


def test_derived_images_are_upright_small_and_carry_no_metadata(received_photo, login_as, app):
    record, listed = received_photo
    client = login_as("officer2")
    for variant, limit in (("thumbnail", 320), ("preview", 1280)):
        r = client.get(f"/api/evidence/{listed.uuid}/{variant}")
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        image = Image.open(io.BytesIO(r.data))
        assert max(image.size) == limit and image.height > image.width  # orientation 6: rotated
        assert dict(image.getexif()) == {} and "exif" not in image.info
    # derived files live apart from originals and are rebuilt when lost
    derived = app.extensions["evidence_stores"].derived
    assert len(list(derived.keys())) == 2
    for key in list(derived.keys()):
        derived.delete(key)
    assert client.get(f"/api/evidence/{listed.uuid}/preview").status_code == 200


def test_the_listing_shows_declared_and_learnt_facts(received_photo, create_inspection, login_as):
    record, listed = received_photo
    body = login_as("supervisor1").get(f"/api/inspections/{record.uuid}/evidence").get_json()
    item = body["evidence"][0]
    assert item["status"] == "received" and item["declared"]["sha256"] == listed.sha256
    file = item["file"]
    assert file["sha256"] == listed.sha256 and file["size"] == len(listed.data)
    assert (file["width"], file["height"], file["orientation"]) == (1600, 1200, 6)
    assert file["exif_taken_at"].startswith("2026-05-01T01:30:00") and file["exif_offset"] == "+08:00"
    assert (file["gps_latitude"], file["gps_longitude"]) == pytest.approx(PLACE, abs=1e-5)
    assert (file["device_make"], file["device_model"]) == ("HUAWEI", "P40")
    assert item["links"]["original"].endswith("/original")
    missing = create_inspection(samples.jpeg())
    item = login_as("officer1").get(f"/api/inspections/{missing.uuid}/evidence").get_json()["evidence"][0]
    assert item["status"] == "missing" and item["file"] is None and item["links"]["original"] is None
    r = login_as("officer1").get(f"/api/evidence/{missing.evidence[0].uuid}/original")
    assert r.status_code == 404 and r.get_json()["code"] == "evidence.not_received"


def test_a_chinese_file_name_has_an_ascii_fallback_and_an_exact_utf8_name(create_inspection, tus_as, login_as):
    record = create_inspection(samples.jpeg())
    listed = record.evidence[0]
    tus = tus_as("officer1")
    url = tus.create(record, listed, filename="浙F12345 超载 现场.JPG").headers["Location"]
    tus.patch(url, listed.data, 0)
    value = login_as("officer1").get(f"/api/evidence/{listed.uuid}/original").headers["Content-Disposition"]
    assert 'filename="F12345.jpg"' in value  # extension from the sniffed type
    assert unquote(value.split("filename*=UTF-8''")[1]) == "浙F12345 超载 现场.jpg"


def flag_codes(login_as, listed) -> set[str]:
    file = login_as("officer1").get(f"/api/evidence/{listed.uuid}").get_json()["file"]
    return {f["code"] for f in file["flags"]}


def test_reviewer_flags_times_and_places_that_do_not_fit(create_inspection, tus_as, login_as):
    now = utcnow()
    started, finished = now - timedelta(hours=3), now - timedelta(hours=2)
    local = timezone(timedelta(hours=8))
    fits = samples.jpeg(taken=(started + timedelta(minutes=10)).astimezone(local).replace(tzinfo=None),
                        offset="+08:00", gps=(PLACE[0] + 0.001, PLACE[1]))
    clock_off = samples.jpeg(taken=(started - timedelta(days=2)).astimezone(local).replace(tzinfo=None),
                             offset="+08:00", color=(1, 1, 1))
    far_away = samples.jpeg(gps=(30.2741, 120.1551), color=(2, 2, 2))  # Hangzhou, ~80 km away
    tus = tus_as("officer1")
    cases = [(fits, started + timedelta(minutes=10), set()),
             (clock_off, started + timedelta(minutes=10), {"exif_time_differs"}),
             (far_away, started + timedelta(minutes=10), {"gps_far_from_place"}),
             (samples.jpeg(color=(3, 3, 3)), started - timedelta(hours=1), {"captured_before_start"}),
             (samples.jpeg(color=(4, 4, 4)), finished + timedelta(hours=5), {"captured_after_end"})]
    for data, captured_at, expected in cases:
        record = create_inspection(data, started_at=started, finished_at=finished, captured_at=captured_at)
        assert tus.upload(record, record.evidence[0]).status_code == 204
        assert flag_codes(login_as, record.evidence[0]) == expected


def test_derived_files_are_rebuilt_from_the_originals_by_the_cli(received_photo, app, runner):
    _, listed = received_photo
    derived = app.extensions["evidence_stores"].derived
    thumbnails_made(app)  # the queue made the thumbnail after the upload's answer
    before = stored_files(derived)
    assert list(before) == [f"{listed.sha256}.thumbnail.jpg"]
    for key in before:
        derived.delete(key)
    result = runner.invoke(args=["evidence", "rebuild-previews"])
    assert result.exit_code == 0 and "rebuilt previews of 1 photos" in result.output
    after = stored_files(derived)
    assert sorted(after) == [f"{listed.sha256}.preview.jpg", f"{listed.sha256}.thumbnail.jpg"]
    assert after[f"{listed.sha256}.thumbnail.jpg"] == before[f"{listed.sha256}.thumbnail.jpg"]
