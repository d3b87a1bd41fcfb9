"""The load bench's inputs stay true to the app (bench/load.py runs in `make bench`, not here):
an officer's day from bench/workday.py is taken whole by the sync, its files arrive as declared
and unflagged, and prepare_instance makes the officers the bench logs in as."""
from __future__ import annotations

import hashlib
import shutil

import sqlalchemy as sa

from bench.harness import prepare_instance
from bench.workday import CLIPS, INSPECTIONS, PHOTO_BYTES, make_day
from tests.evidence.conftest import TUS, metadata_header


def upload(client, record_uuid, file):
    created = client.post("/api/uploads", headers={
        **TUS, "Upload-Length": str(file.size),
        "Upload-Metadata": metadata_header(inspection_uuid=record_uuid, evidence_uuid=file.uuid,
                                           sha256=file.sha256, filename="f")})
    assert created.status_code == 201, created.get_json()
    return client.patch(created.headers["Location"], data=file.data(), headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})


def test_a_day_of_work_syncs_whole_and_its_files_arrive_as_declared(login_as):
    day = make_day("officer1", "officer2", 0)
    files = [f for fs in day.files.values() for f in fs]
    photos = [f for f in files if f.kind == "photo"]
    assert len(day.records) == INSPECTIONS and len(files) == INSPECTIONS * 4 + CLIPS
    assert all(PHOTO_BYTES[0] <= p.size <= PHOTO_BYTES[1] for p in photos)
    assert len({f.sha256 for f in files}) == len(files)  # the store is content-addressed
    assert hashlib.sha256(photos[7].data()).hexdigest() == photos[7].sha256  # rebuilt the same

    client = login_as("officer1")
    synced = client.post("/api/sync", json={"device_time": None, "records": day.records})
    assert synced.status_code == 200
    results = synced.get_json()["results"]
    assert [r["result"] for r in results] == ["created"] * INSPECTIONS, results[0]
    assert all(set(r["missing_evidence"]) == {f.uuid for f in day.files[r["uuid"]]} for r in results)

    record = day.records[0]  # photo, recording and three signatures
    for file in day.files[record["uuid"]]:
        answer = upload(client, record["uuid"], file)
        assert answer.status_code == 204 and answer.headers["X-Evidence-Status"] == "received"
    listed = client.get(f"/api/inspections/{record['uuid']}/evidence").get_json()["evidence"]
    assert {e["file"]["media_type"] for e in listed} == {"image/jpeg", "image/png", "video/mp4"}
    assert all(e["status"] == "received" and not e["file"]["flags"] for e in listed)
    status = client.get(f"/api/sync/status?uuid={record['uuid']}").get_json()
    assert status[0]["status"] == "complete" and status[0]["missing_evidence"] == []


def test_prepare_instance_makes_certified_officers_in_teams_of_ten():
    for officers, teams in ((2, {"A": 2}), (12, {"A": 10, "B": 2})):
        url, storage = prepare_instance(officers=officers)
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT t.code, count(*) FROM users u JOIN teams t ON t.id = u.team_id "
                    "WHERE u.certificate_number IS NOT NULL GROUP BY t.code")).all()
            engine.dispose()
            assert dict(rows) == teams
        finally:
            shutil.rmtree(storage)
