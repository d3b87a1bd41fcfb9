"""Flags say long spans as a person does (约 3 天, 约 5 小时 20 分钟): a new flag's stored text, and
the review desk's reading of a flag stored before, made from its numbers (the row stays as is)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.evidence.facts import duration_text
from server.evidence.models import EvidenceFile
from server.extensions import db
from server.review.evidence import flag_text

from .conftest import failing_overload_record, sync_and_upload


def test_a_new_flag_stores_its_minutes_and_says_them_in_days(login_as, submitted):
    record = failing_overload_record()
    scene = next(e for e in record["evidence"] if e["item_id"] == "scene_photos")
    sync_and_upload(login_as("officer1"), record, misplaced={scene["uuid"]})
    stored = db.session.execute(sa.select(EvidenceFile.flags).where(
        EvidenceFile.evidence_uuid == uuid.UUID(scene["uuid"]))).scalar_one()
    differs = next(f for f in stored if f["code"] == "exif_time_differs")
    assert differs["minutes"] == 4320  # the number behind the words is kept
    assert differs["detail"] == "照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 3 天。"


def test_a_flag_stored_in_minutes_reads_in_hours_and_minutes_on_the_review_desk():
    # As stored before flags spoke in days and hours: the detail is left alone.
    old = {"code": "captured_after_end", "minutes": 320, "detail": "拍摄时间晚于检查结束时间约 320 分钟。"}
    assert flag_text(old) == "拍摄时间晚于检查结束时间约 5 小时 20 分钟。"
    assert flag_text({"code": "exif_time_differs", "minutes": 4320,
                      "detail": "照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 4320 分钟。"}) \
        == "照片 EXIF 拍摄时间与手机记录的拍摄时间相差约 3 天。"
    # A flag without numbers keeps its stored words.
    assert flag_text({"code": "media_unreadable", "detail": "文件无法完整解析"}) == "文件无法完整解析"


def test_spans_read_as_people_say_them():
    assert [duration_text(m) for m in (7, 59.4, 60, 61, 320, 1439, 1440, 1500, 4320, 4400, 10_000)] == [
        "7 分钟", "59 分钟", "1 小时", "1 小时 1 分钟", "5 小时 20 分钟", "23 小时 59 分钟", "1 天",
        "1 天 1 小时", "3 天", "3 天 1 小时", "6 天 23 小时"]
