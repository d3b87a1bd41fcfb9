"""Review fixtures: records synced by officers with every evidence file really uploaded (tus),
and the extra cast the access matrix needs."""
from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime, timedelta

import pytest
from PIL import Image, ImageDraw

from tests.evidence import samples
from tests.evidence.conftest import TUS, TusClient
from tests.factories import evidence_entry, overload_record, sync_body


def signature_png(seed: int) -> bytes:
    """A hand-drawn-looking stroke on transparent ground, as the PWA's signature pad makes."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 45, 120 + ((i * 37 + seed * 11) % 90) - 45) for i in range(12)]
    draw.line(points, fill=(0, 0, 0, 255), width=7, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def failing_overload_record(officers=("officer1", "officer2"), plate="浙F12345", **overrides) -> dict:
    """An overload record whose gross-mass check is answered 不符合, with its photo and note."""
    record = overload_record(officers, plate=plate, **overrides)
    photo = evidence_entry("within_limit.photos")
    record["answers"]["within_limit"] = {"result": "fail", "note": "车货总质量 20250 千克，超过限值 2250 千克。",
                                         "photos": [photo["uuid"]]}
    record["evidence"].append(photo)
    return record


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# A photo from elsewhere: its EXIF says three days before the phone's capture time, 94 km north.
MISPLACED_DAYS, MISPLACED_LATITUDE_DEGREES = 3, 94_000 / 111_195


def give_evidence_bytes(record: dict, misplaced=()) -> dict[str, bytes]:
    """Real files for every listed evidence entry (JPEG with EXIF, PNG signatures, WAV audio);
    the record's SHA-256 and sizes are set to match. Photos whose UUID is in `misplaced` were
    taken three days earlier and 94 km away, by their EXIF."""
    contents = {}
    for i, entry in enumerate(record["evidence"]):
        if entry["media_type"] == "image/png":
            data = signature_png(i)
        elif entry["media_type"].startswith("audio/"):
            data = samples.wav(seconds=3.0)
        else:
            taken = datetime.fromisoformat(entry["captured_at"]).replace(tzinfo=None)
            gps = (30.5257 + 0.0004 * i, 120.9431 - 0.0003 * i)
            if entry["uuid"] in misplaced:
                taken, gps = taken - timedelta(days=MISPLACED_DAYS), (30.5257 + MISPLACED_LATITUDE_DEGREES, 120.9431)
            data = samples.jpeg(color=(30 + i * 25, 90, 150), taken=taken, offset="+08:00", gps=gps)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        contents[entry["uuid"]] = data
    return contents


def sync_and_upload(client, record: dict, misplaced=()) -> dict:
    """Sync the record as the logged-in officer, then upload each file by tus: it ends complete."""
    contents = give_evidence_bytes(record, misplaced)
    answer = client.post("/api/sync", json=sync_body(record)).get_json()
    assert answer["results"][0]["result"] == "created", answer
    tus = TusClient(client)
    for entry in record["evidence"]:
        if entry["uuid"] not in answer["results"][0]["missing_evidence"]:
            continue  # carried over from the revision an amendment replaces
        created = client.post("/api/uploads", headers={
            **TUS, "Upload-Length": str(entry["size"]),
            "Upload-Metadata": f"inspection_uuid {_b64(record['uuid'])},evidence_uuid {_b64(entry['uuid'])},"
                               f"sha256 {_b64(entry['sha256'])}"})
        assert created.status_code == 201, created.get_json()
        assert tus.patch(created.headers["Location"], contents[entry["uuid"]], 0).status_code == 204
    shown = client.get(f"/api/inspections/{record['uuid']}").get_json()
    assert shown["status"] == "complete", shown
    return shown


@pytest.fixture
def cast(create_user, personas) -> dict:
    """The personas plus: a supervisor of team B, an admin who also supervises team A, and a
    team A supervisor who also works as an officer (and so takes part in inspections)."""
    extra = {
        "supervisor2": create_user("supervisor2", roles=("supervisor",), team="B", certificate=None),
        "chief": create_user("chief", roles=("admin", "supervisor"), team="A", certificate=None),
        "leader": create_user("leader", roles=("officer", "supervisor"), team="A"),
    }
    return {**personas, **extra}


@pytest.fixture
def submitted(login_as, cast):
    """Factory: a failing overload record by `officers`, synced and complete; returns its detail."""
    def make(officers=("officer1", "officer2"), plate="浙F12345") -> dict:
        return sync_and_upload(login_as(officers[0]), failing_overload_record(officers, plate=plate))
    return make
