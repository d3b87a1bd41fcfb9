"""The sync's answer is written by server/inspections/sync_answer.py, not by marshmallow: it must
be the very answer SyncResponseSchema (the documented contract) gives, for every kind of result."""
import json
import uuid
from datetime import datetime, timedelta, timezone

from server.inspections import service
from server.inspections.schemas import SyncResponseSchema
from server.inspections.sync_answer import dump_sync_response

from .factories import SHANGHAI, overload_record, sync_body


def test_every_kind_of_result_is_dumped_as_the_schema_dumps_it():
    now = datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=timezone.utc)
    results = [
        {"index": 0, "uuid": str(uuid.uuid4()), "result": "created", "status": "incomplete",
         "received_at": now, "revision": 2, "missing_evidence": [uuid.uuid4(), str(uuid.uuid4())]},
        {"index": 1, "uuid": None, "result": "rejected", "code": "sync.invalid_uuid", "detail": "无效",
         "errors": {"uuid": ["应为 UUID。"], "answers": {"axles": {"0": ["必填。"]}}}},
        {"index": 2, "uuid": uuid.uuid4(), "result": "conflict", "code": "sync.conflict", "detail": "冲突"},
        {"index": 3, "uuid": str(uuid.uuid4()), "result": "rejected", "code": "sync.amendment_superseded",
         "detail": "已有新版本", "errors": {}, "latest_uuid": uuid.uuid4(), "latest_revision": 3},
        {"index": 4, "uuid": str(uuid.uuid4()), "result": "duplicate", "status": "complete",
         "received_at": now.astimezone(SHANGHAI) - timedelta(days=1), "revision": 1,
         "missing_evidence": [], "not_in_the_schema": "left out"},
    ]
    for offset in (None, -420_000, 5):
        answer = {"server_time": now, "device_clock_offset_ms": offset, "results": results}
        assert dump_sync_response(answer) == SyncResponseSchema().dump(answer)
    assert dump_sync_response({"server_time": now, "results": []}) == \
        SyncResponseSchema().dump({"server_time": now, "results": []})


def test_a_real_batch_is_answered_as_the_schema_would_answer_it(login_as, monkeypatch):
    officer = login_as("officer1")
    answers = []
    real = service.sync_batch

    def keep(*args, **kwargs):  # the real service, its answer kept to compare
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(service, "sync_batch", keep)
    stored = overload_record()
    officer.post("/api/sync", json=sync_body(stored))
    bad = overload_record()
    bad["answers"]["measured_mass"] = "heavy"
    altered = {**stored, "subject": {**stored["subject"], "name": "浙F99999"}}
    new = overload_record()
    response = officer.post("/api/sync", json=sync_body(new, stored, altered, bad, {"no": "uuid"}, new,
                                                        device_time=datetime.now(SHANGHAI)))
    assert response.status_code == 200
    body = response.get_json()
    assert [r["result"] for r in body["results"]] == ["created", "duplicate", "conflict", "rejected",
                                                      "rejected", "duplicate"]
    expected = json.loads(json.dumps(SyncResponseSchema().dump(answers[-1])))
    assert body == expected
