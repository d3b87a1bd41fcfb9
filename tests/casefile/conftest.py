"""Case-file fixtures: an overload inspection synced through POST /api/sync with a phone clock
two minutes fast, and every evidence file (JPEGs with EXIF time and GPS) uploaded with tus."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.inspections.models import Inspection
from tests.evidence import samples
from tests.evidence.conftest import TusClient, metadata_header
from tests.factories import SHANGHAI, overload_record, sync_body

PHONE_FAST = timedelta(minutes=2)


@dataclass
class SyncedCase:
    record: dict
    contents: dict[str, bytes]  # evidence uuid -> the phone's bytes

    @property
    def uuid(self) -> str:
        return self.record["uuid"]


def fill_evidence(record: dict, start: int = 0) -> dict[str, bytes]:
    """Give every listed file real bytes (distinct small photos) and declare their hashes."""
    contents = {}
    taken = datetime.fromisoformat(record["started_at"]) + timedelta(minutes=5)
    for i, entry in enumerate(record["evidence"], start=start):
        data = samples.jpeg(160, 120, taken=taken.replace(tzinfo=None), offset="+08:00",
                            gps=(30.5257, 120.9431), color=(i * 30 % 256, 90, 140))
        entry.update(media_type="image/jpeg", sha256=hashlib.sha256(data).hexdigest(),
                     size=len(data), captured_at=taken.isoformat())
        contents[entry["uuid"]] = data
    return contents


def sync_record(client, record: dict) -> dict:
    device_time = datetime.now(SHANGHAI) + PHONE_FAST
    answer = client.post("/api/sync", json=sync_body(record, device_time=device_time))
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()["results"][0]
    assert result["result"] == "created", result
    return result


def upload_all(client, record: dict, contents: dict[str, bytes]) -> None:
    """Send each file as the PWA does: create the tus upload, PATCH the bytes."""
    tus = TusClient(client)
    for entry in record["evidence"]:
        if entry["uuid"] not in contents:
            continue
        created = client.post("/api/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(entry["size"]),
            "Upload-Metadata": metadata_header(inspection_uuid=record["uuid"],
                                               evidence_uuid=entry["uuid"], sha256=entry["sha256"],
                                               filename="photo.jpg")})
        assert created.status_code == 201, created.get_json()
        answer = tus.patch(created.headers["Location"], contents[entry["uuid"]], 0)
        assert answer.status_code == 204, answer.get_json()


@pytest.fixture
def synced_case(login_as) -> SyncedCase:
    """officer1 and officer2 inspected a truck; the record and all 7 photos are on the server."""
    officer = login_as("officer1")
    record = overload_record()
    contents = fill_evidence(record)
    sync_record(officer, record)
    upload_all(officer, record, contents)
    return SyncedCase(record, contents)


def return_for_correction(record_uuid: str) -> None:
    """What a supervisor's return does (server/review/): status returned, with its comment."""
    returned = db.session.get(Inspection, uuid.UUID(record_uuid))
    returned.status, returned.return_comment = "returned", "请更正。"
    db.session.commit()
    db.session.remove()
