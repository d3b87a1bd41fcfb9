"""The server side of the amendment scenarios, over real HTTP to the live gunicorn: an officer's
record synced with every file uploaded by tus (from another device), a supervisor's return with
comments, a colleague's amendment, an approval."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta

from tests.evidence.conftest import TUS
from tests.factories import SHANGHAI, sync_body
from tests.review.conftest import failing_overload_record, give_evidence_bytes

RETURN_COMMENT = "称重单照片不清晰，请补拍后重新提交。"
ITEM_COMMENTS = {"weighing_ticket": "照片模糊，看不清总质量，请重拍称重单。",
                 "within_limit": "请写明超限的千克数。"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def sync_and_upload(live_server, username: str, record: dict) -> dict:
    """`username` syncs `record` and uploads each new file by tus; the server holds it complete."""
    session = live_server.login(username)
    contents = give_evidence_bytes(record) if not record.get("replaces") else {}
    answer = session.post(f"{live_server.url}/api/sync", json=sync_body(record)).json()
    result = answer["results"][0]
    assert result["result"] == "created", answer
    for entry in record["evidence"]:
        if entry["uuid"] not in result["missing_evidence"]:
            continue  # carried over from the revision an amendment replaces
        created = session.post(f"{live_server.url}/api/uploads", headers={
            **TUS, "Upload-Length": str(entry["size"]),
            "Upload-Metadata": f"inspection_uuid {_b64(record['uuid'])},evidence_uuid {_b64(entry['uuid'])},"
                               f"sha256 {_b64(entry['sha256'])}"})
        assert created.status_code == 201, created.text
        sent = session.patch(created.headers["Location"], data=contents[entry["uuid"]], headers={
            **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert sent.status_code == 204, sent.text
    shown = session.get(f"{live_server.url}/api/inspections/{record['uuid']}").json()
    assert shown["status"] == "complete", shown
    return shown


def returned_record(live_server, plate: str = "浙F20001", days_ago: int = 1) -> dict:
    """officer1 and officer2's failing overload inspection of `days_ago` days ago, every file on
    the server, returned by supervisor1 with an overall comment and item comments."""
    now = datetime.now(SHANGHAI)
    started = now.replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    # never in the future: before 10:00 in Shanghai, "today" at 10:00 has not happened yet
    started = min(started, now - timedelta(hours=1))
    record = failing_overload_record(("officer1", "officer2"), plate=plate, started_at=started)
    for entry in record["evidence"]:
        entry["captured_at"] = (started + timedelta(minutes=10)).isoformat()
    sync_and_upload(live_server, "officer1", record)
    act(live_server, record["uuid"], "return", expected_status="complete", comment=RETURN_COMMENT,
        item_comments=ITEM_COMMENTS)
    return record


def amend_elsewhere(live_server, record: dict, username: str = "officer2") -> str:
    """A colleague amends the returned record from their own phone (its files carried over)."""
    amendment = {**record, "uuid": str(uuid.uuid4()), "replaces": record["uuid"],
                 "officers": [username, *[o for o in record["officers"] if o != username]],
                 "amendment_reason": "同事已补拍称重单。"}
    sync_and_upload(live_server, username, amendment)
    return amendment["uuid"]


def act(live_server, record_uuid: str, action: str, **body) -> dict:
    """supervisor1 takes a review action on a revision."""
    supervisor = live_server.login("supervisor1")
    r = supervisor.post(f"{live_server.url}/api/inspections/{record_uuid}/review/{action}", json=body)
    assert r.status_code == 200, r.text
    return r.json()
