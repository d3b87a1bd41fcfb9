"""Evidence test fixtures: inspections with listed evidence (rows and their audit entry written
directly, as the sync would write them), and a small tus client over the Flask test client."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from server.audit.service import record_event
from server.clock import utcnow
from server.extensions import db
from server.inspections.models import Evidence, Inspection, InspectionOfficer
from server.inspections.vouched import stored_record_sha256

PLACE = (30.5100, 120.9300)  # Haiyan County


@dataclass
class Listed:
    """One evidence item as the record lists it (sha256: as declared), with the phone's bytes."""

    uuid: uuid.UUID
    data: bytes
    sha256: str
    media_type: str


@dataclass
class Record:
    uuid: uuid.UUID
    evidence: list[Listed] = field(default_factory=list)


def stored_files(store) -> dict[str, bytes]:
    """Every file of an evidence store (local or S3), by key: what tests compare."""
    result = {}
    for key in store.keys():
        with store.open(key) as stream:
            result[key] = stream.read()
    return result


def thumbnails_made(app) -> None:
    """Wait until the app's queue has made the thumbnails of the photos received so far (they are
    made after the upload's answer, server/evidence/derived.py)."""
    images = app.extensions.get("evidence_derived_images")
    if images is not None:
        images.wait_until_done()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def create_inspection(app, personas):
    """Factory: an inspection by officers (default officer1 + officer2 of team A) listing files.

    `files` are bytes, or (bytes, media_type) pairs; `declared` overrides the listed SHA-256.
    """
    def make(*files, officers=("officer1", "officer2"), started_at=None, finished_at=None,
             captured_at=None, place=PLACE, declared: dict | None = None) -> Record:
        now = utcnow()
        started_at = started_at or now - timedelta(minutes=30)
        finished_at = finished_at or now - timedelta(minutes=5)
        first = personas[officers[0]]
        record = Record(uuid.uuid4())
        for position, item in enumerate(files):
            data, media_type = item if isinstance(item, tuple) else (item, "image/jpeg")
            listed = Listed(uuid.uuid4(), data, sha256(data), media_type)
            listed.sha256 = (declared or {}).get(position, listed.sha256)
            record.evidence.append(listed)
        inspection = Inspection(
            uuid=record.uuid, root_uuid=record.uuid, revision=1,
            status="incomplete" if files else "complete", form_id="bus", form_version=1,
            submitted_by_id=first.id, team_id=first.team_id, subject_kind="vehicle",
            subject_name="浙F12345", place_latitude=place[0] if place else None,
            place_longitude=place[1] if place else None, place_accuracy_m=8.0,
            started_at=started_at, finished_at=finished_at, answers={}, computed={},
            device_id="test-phone", app_version="1.0", received_at=now, content_hash="0" * 64,
            evidence_expected=len(files), evidence_received=0,
            evidence_uuids=[str(listed.uuid) for listed in record.evidence])
        db.session.add(inspection)
        for position, name in enumerate(officers):
            user = personas[name]
            db.session.add(InspectionOfficer(inspection_uuid=record.uuid, user_id=user.id,
                                             position=position,
                                             certificate_number=user.certificate_number))
        for position, listed in enumerate(record.evidence):
            db.session.add(Evidence(
                uuid=listed.uuid, inspection_uuid=record.uuid, position=position,
                item_id=f"item{position}", sha256=listed.sha256, size=len(listed.data),
                media_type=listed.media_type,
                captured_at=captured_at or started_at + timedelta(minutes=10)))
        db.session.flush()
        # The entry the sync writes with the rows, so that `audit verify` finds them vouched for.
        record_event("inspection.submitted", actor=first, object_type="inspection",
                     object_id=record.uuid, details={
                         "form": "bus@1", "revision": 1, "replaces": None, "content_hash": "0" * 64,
                         "device_id": "test-phone", "device_clock_offset_ms": None,
                         "evidence": [{"uuid": str(e.uuid), "sha256": e.sha256} for e in record.evidence],
                         "record_sha256": stored_record_sha256(inspection)})
        db.session.commit()
        return record

    return make


# The tus helpers live in testing/tus.py (bench/ may use them); these names stay for existing imports.
from testing.tus import TUS, TusClient, metadata_header  # noqa: E402,F401


@pytest.fixture
def tus_as(login_as):
    """Factory: a TusClient logged in as a persona."""
    return lambda username: TusClient(login_as(username))
