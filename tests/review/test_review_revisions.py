"""An amendment read by a reviewer: the queue counts the files the shown revision lists (not the
flagged photo it replaced), the review page says in words what changed and which files carry
flags, with times and distances in human units and items by their labels."""
from __future__ import annotations

import copy
import uuid

from server.extensions import db
from server.inspections.models import Inspection
from server.review.record_pdf import record_html
from tests.factories import evidence_entry

from .conftest import failing_overload_record, sync_and_upload


def queue_row(client, uuid_: str) -> dict:
    rows = client.get("/api/review/queue").get_json()["items"]
    return next(r for r in rows if r["uuid"] == uuid_)


def amend_replacing_photo(officer, first_record: dict, item: str = "scene_photos") -> tuple[dict, dict]:
    """The officer's amendment: the same record with the photo of `item` replaced by a new one
    and the vehicle's description corrected; every other file carried over."""
    record = copy.deepcopy(first_record)
    old = next(e for e in record["evidence"] if e["item_id"] == item)
    new = evidence_entry(item)
    record["evidence"][record["evidence"].index(old)] = new
    record["answers"][item] = [new["uuid"]]
    record["subject"]["description"] = "重型厢式货车"
    record.update(uuid=str(uuid.uuid4()), replaces=first_record["uuid"], amendment_reason="重拍现场照片。")
    return sync_and_upload(officer, record), new


def test_an_amendment_does_not_inherit_the_flags_of_the_photo_it_replaced(login_as, submitted):
    officer, supervisor = login_as("officer1"), login_as("supervisor1")
    record = failing_overload_record()
    scene = next(e for e in record["evidence"] if e["item_id"] == "scene_photos")
    first = sync_and_upload(officer, record, misplaced={scene["uuid"]})
    listed = len(record["evidence"])

    row = queue_row(supervisor, first["uuid"])
    assert row["flagged_evidence"] == 1
    assert (row["evidence_received"], row["evidence_expected"]) == (listed, listed)
    flagged = supervisor.get("/api/review/queue?flagged=true").get_json()["items"]
    assert [r["uuid"] for r in flagged] == [first["uuid"]]

    returned = supervisor.post(f"/api/inspections/{first['uuid']}/review/return",
                               json={"expected_status": "complete", "comment": "现场照片不是本次检查拍摄的，请重拍。"})
    assert returned.status_code == 200, returned.get_json()
    second, _ = amend_replacing_photo(officer, record)
    assert second["revision"] == 2

    row = queue_row(supervisor, second["uuid"])
    assert row["flagged_evidence"] == 0  # the misplaced photo belongs to revision 1 only
    # Every file revision 2 lists, the carried-over ones included, not only its one new photo.
    assert (row["evidence_received"], row["evidence_expected"]) == (listed, listed)
    assert supervisor.get("/api/review/queue?flagged=true").get_json()["items"] == []


def test_the_review_state_says_what_changed_and_which_files_carry_flags(login_as, submitted):
    officer, supervisor = login_as("officer1"), login_as("supervisor1")
    record = failing_overload_record()
    scene = next(e for e in record["evidence"] if e["item_id"] == "scene_photos")
    first = sync_and_upload(officer, record, misplaced={scene["uuid"]})

    state = supervisor.get(f"/api/inspections/{first['uuid']}/review").get_json()
    assert state["changes"] is None  # a first revision
    texts = sorted(f["text"] for f in state["flag_summary"])
    assert texts == ["照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 3 天。", "照片 GPS 位置距检查地点约 94 公里。"]
    assert {f["item"] for f in state["flag_summary"]} == {"现场全景照片"}
    described = state["evidence"]
    check_photo = next(e for e in record["evidence"] if e["item_id"] == "within_limit.photos")
    assert described[check_photo["uuid"]]["item"] == "车货总质量未超过限定标准（取证照片）"
    signature = next(e for e in record["evidence"] if e["item_id"] == "subject_signature")
    assert described[signature["uuid"]]["kind_label"] == "签名"
    printed = record_html(db.session.get(Inspection, uuid.UUID(first["uuid"])))  # the PDF's words too
    assert "相差约 3 天" in printed and "距检查地点约 94 公里" in printed and "分钟" not in printed

    supervisor.post(f"/api/inspections/{first['uuid']}/review/return",
                    json={"expected_status": "complete", "comment": "请重拍现场照片。"})
    second, new_photo = amend_replacing_photo(officer, record)
    state = supervisor.get(f"/api/inspections/{second['uuid']}/review").get_json()
    assert state["flag_summary"] == []
    changes = state["changes"]
    assert (changes["previous_uuid"], changes["previous_revision"]) == (first["uuid"], 1)
    assert changes["amendment_reason"] == "重拍现场照片。"
    by_id = {c["id"]: c for c in changes["items"]}
    assert set(by_id) == {"subject", "scene_photos"}  # nothing else changed
    assert by_id["subject"]["before"]["answer"] == "浙F12345，重型栏板货车"
    assert by_id["subject"]["after"]["answer"] == "浙F12345，重型厢式货车"
    photos = by_id["scene_photos"]
    assert photos["label"] == "现场全景照片"
    assert (photos["removed"], photos["added"]) == ([scene["uuid"]], [new_photo["uuid"]])
    # The replaced photo is still described, for the side-by-side view.
    assert state["evidence"][scene["uuid"]]["flags"] != []
