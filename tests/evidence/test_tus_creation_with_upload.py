"""tus creation-with-upload: a photo sent in one request (POST with the body), as the PWA sends a
photo, with the same checks, storage and audit trail as creation + PATCH; plain creation stays."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app

from server.evidence.models import EvidenceUpload
from server.extensions import db
from server.inspections.models import Evidence, Inspection
from testing.tus import metadata_header

from . import samples
from .conftest import TUS
from .test_tus_protocol import actions, store_files

OCTETS = "application/offset+octet-stream"


def post_with_body(tus, record, listed, body: bytes, *, content_type=OCTETS):
    return tus.client.post("/api/uploads", data=body, headers={
        **TUS, "Upload-Length": str(len(listed.data)), "Content-Type": content_type,
        "Upload-Metadata": metadata_header(inspection_uuid=str(record.uuid), evidence_uuid=str(listed.uuid),
                                           sha256=listed.sha256, filename="现场照片.jpg")})


def test_a_photo_sent_with_its_creation_is_received_in_one_request(create_inspection, tus_as, storage_dir):
    photo = samples.jpeg()
    record = create_inspection(photo)
    listed = record.evidence[0]
    tus = tus_as("officer1")
    r = post_with_body(tus, record, listed, photo)
    assert r.status_code == 201, r.get_data()
    assert r.headers["X-Evidence-Status"] == "received" and r.headers["X-Evidence-SHA256"] == listed.sha256
    assert r.headers["Upload-Offset"] == str(len(photo)) and r.headers["Location"]
    assert [(f.name, f.data) for f in store_files(storage_dir)] == [(listed.sha256, photo)]
    assert list((storage_dir / "uploads").iterdir()) == []
    assert db.session.get(Inspection, record.uuid, populate_existing=True).status == "complete"
    assert actions(listed.uuid) == ["evidence.upload_started", "evidence.upload_completed",
                                    "evidence.received"]
    assert tus.head(r.headers["Location"]).headers["Upload-Offset"] == str(len(photo))


def test_a_creation_with_part_of_the_file_is_resumed_with_patch(create_inspection, tus_as):
    photo = samples.jpeg()
    record = create_inspection(photo)
    listed = record.evidence[0]
    tus = tus_as("officer1")
    half = len(photo) // 2
    r = post_with_body(tus, record, listed, photo[:half])
    assert r.status_code == 201 and r.headers["Upload-Offset"] == str(half)
    assert "X-Evidence-Status" not in r.headers
    url = r.headers["Location"]
    assert tus.head(url).headers["Upload-Offset"] == str(half)
    done = tus.patch(url, photo[half:], half)
    assert done.status_code == 204 and done.headers["X-Evidence-Status"] == "received"


def test_a_body_of_the_wrong_type_opens_no_upload(create_inspection, tus_as):
    photo = samples.jpeg()
    record = create_inspection(photo)
    listed = record.evidence[0]
    r = post_with_body(tus_as("officer1"), record, listed, photo, content_type="image/jpeg")
    assert r.status_code == 415 and r.get_json()["code"] == "upload.content_type"
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvidenceUpload)).scalar() == 0
    assert actions(listed.uuid) == []


def test_a_refused_body_is_recorded_and_answered_with_the_uploads_address(create_inspection, tus_as, storage_dir):
    photo = samples.jpeg()
    record = create_inspection(photo)
    listed = record.evidence[0]
    tampered = bytearray(photo)
    tampered[len(photo) // 2] ^= 0xFF
    r = post_with_body(tus_as("officer1"), record, listed, bytes(tampered))
    assert r.status_code == 422 and r.get_json()["code"] == "evidence.hash_mismatch"
    assert r.get_json()["received_sha256"] == hashlib.sha256(tampered).hexdigest()
    assert r.headers["Location"]
    assert db.session.get(Evidence, listed.uuid, populate_existing=True).received_at is None
    assert store_files(storage_dir) == []
    assert actions(listed.uuid) == ["evidence.upload_started", "evidence.hash_mismatch"]
    assert current_app.extensions["evidence_stores"].originals.exists(listed.sha256) is False
