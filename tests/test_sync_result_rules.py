"""Sync of records whose checks the form's result rules settle (issue 13 item 1), of records of the
old form versions, and of the closing fragment's recordings (issue 13 item 6)."""
import uuid

import sqlalchemy as sa

from server.extensions import db
from server.inspections.models import Inspection

from .factories import evidence_entry, overload_record, sync_body


def sync_one(client, record) -> dict:
    r = client.post("/api/sync", json=sync_body(record))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["results"][0]


def overweight_v2(result: str) -> dict:
    """The issue's truck: two axles, 20,000 kg against 18,000 kg, on overload version 2."""
    record = overload_record(measured_mass=20000, form_version=2)
    answers = record["answers"]
    answers["within_limit"] = {"result": result}
    if result == "fail":
        photo = evidence_entry("within_limit.photos")
        answers["within_limit"].update(note="车货总质量 20000 千克，超限 2000 千克。", photos=[photo["uuid"]])
        record["evidence"].append(photo)
    answers.update(disposal_method="unload", unloaded_mass=2100, reweighed_mass=17900,
                   vehicle_detained="no")
    photo = evidence_entry("disposal_photos")
    answers["disposal_photos"] = [photo["uuid"]]
    record["evidence"].append(photo)
    return record


def test_a_check_contradicting_the_computed_excess_is_rejected_per_item_in_chinese(login_as):
    officer = login_as("officer1")
    result = sync_one(officer, overweight_v2("pass"))
    assert result["result"] == "rejected" and result["code"] == "sync.invalid_answers"
    assert result["errors"] == {"within_limit": ["车货总质量超过限值（超限量大于 0），应判定为“不符合”。"]}
    assert db.session.execute(sa.select(sa.func.count()).select_from(Inspection)).scalar() == 0


def test_the_check_as_the_facts_settle_it_syncs_with_one_failed_check(login_as):
    officer = login_as("officer1")
    record = overweight_v2("fail")
    result = sync_one(officer, record)
    assert result["result"] == "created", result
    detail = officer.get(f"/api/inspections/{record['uuid']}").get_json()
    assert detail["form_version"] == 2 and detail["failed_checks"] == 1
    assert detail["computed"]["excess_mass"] == 2000


def test_records_of_the_old_version_still_sync_as_they_always_did(login_as):
    officer = login_as("officer1")
    within = overload_record()  # version 1, 17,000 kg, 符合
    assert sync_one(officer, within)["result"] == "created"
    # Version 1 has no result rules: a phone that filled it before the update is not refused.
    old_phone = overweight_v2("pass")
    old_phone["form_version"] = 1
    assert sync_one(officer, old_phone)["result"] == "created"
    stored = db.session.get(Inspection, uuid.UUID(old_phone["uuid"]))
    assert (stored.form_version, stored.failed_checks) == (1, 0)


def test_the_closing_recordings_take_the_phones_audio_and_a_body_cameras_files(login_as):
    officer = login_as("officer1")
    record = overload_record(form_version=2)
    files = {"inquiry_audio": [evidence_entry("inquiry_audio", "video/mp4"),  # 执法记录仪 clip
                               evidence_entry("inquiry_audio", "audio/amr")],
             "statement_audio": [evidence_entry("statement_audio", "audio/webm;codecs=opus")]}
    for item_id, entries in files.items():
        record["answers"][item_id] = [e["uuid"] for e in entries]
        record["evidence"] += entries
    assert sync_one(officer, record)["result"] == "created"
    on_v1 = overload_record()
    on_v1["answers"]["statement_audio"] = [str(uuid.uuid4())]
    assert sync_one(officer, on_v1)["errors"] == {"statement_audio": ["表单中没有此检查项，请更新表单后重试。"]}
    wrong_kind = overload_record(form_version=2)
    photo = evidence_entry("statement_audio", "image/jpeg")
    wrong_kind["answers"]["statement_audio"] = [photo["uuid"]]
    wrong_kind["evidence"].append(photo)
    assert "image/jpeg" in sync_one(officer, wrong_kind)["errors"]["evidence"][0]


def test_a_check_result_sent_as_a_list_is_rejected_per_item_not_a_server_error(login_as):
    # Found by the form checks' fuzz test: the result rules looked the result up in a dict, and
    # an unhashable result (["pass"]) raised TypeError (500) for the whole batch.
    officer = login_as("officer1")
    odd = overweight_v2("fail")
    odd["answers"]["within_limit"]["result"] = ["fail"]
    good = overweight_v2("fail")
    response = officer.post("/api/sync", json=sync_body(odd, good))
    assert response.status_code == 200, response.get_json()
    first, second = response.get_json()["results"]
    assert first["result"] == "rejected" and first["code"] == "sync.invalid_answers"
    assert first["errors"]["within_limit"] == ["检查结果应为符合、不符合之一。"]
    assert second["result"] == "created"


def test_evidence_another_record_holds_rejects_only_the_record_that_lists_it_again(login_as):
    """An evidence UUID is one file: a second record listing a stored one is rejected, per item,
    and the batch's other records are created (the write is retried knowing what is taken)."""
    officer = login_as("officer1")
    first = overload_record()
    assert officer.post("/api/sync", json=sync_body(first)).get_json()["results"][0]["result"] == "created"
    again = overload_record()
    taken = first["evidence"][0]
    name = taken["item_id"]
    old_uuid = next(e["uuid"] for e in again["evidence"] if e["item_id"] == name)
    again["evidence"] = [{**e, "uuid": taken["uuid"]} if e["uuid"] == old_uuid else e for e in again["evidence"]]
    value = again["answers"][name]
    again["answers"][name] = ([taken["uuid"] if u == old_uuid else u for u in value] if isinstance(value, list)
                              else taken["uuid"])
    results = officer.post("/api/sync", json=sync_body(again, overload_record())).get_json()["results"]
    assert [r["result"] for r in results] == ["rejected", "created"], results
    assert results[0]["code"] == "sync.invalid_answers" and taken["uuid"] in results[0]["errors"]["evidence"][0]
