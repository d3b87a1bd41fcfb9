"""一公开 without personal data: the redaction module masks ID numbers, phone numbers and private
persons' names; a published result made of records full of them shows none, in any byte of any
public page (HTML, JSON, plan.json)."""
from __future__ import annotations

import re

import pytest

from server.draws.redaction import redact, redact_text
from testing.records import sync_body
from tests.review.conftest import failing_overload_record

from .conftest import drawn_plan, plan_body

ID_NUMBERS = ("330424198001011234", "33042419800101123X", "330424800101123")
PHONES = ("13800138000", "+86 139-1234-5678", "0573-86012345")
NAMES = ("张三丰", "欧阳娜娜", "李小龙")
# What must never appear, whatever the masking leaves around it.
SECRETS = ("198001011234", "19800101123X", "800101123", "0138000", "1234-5678", "86012345", "三丰", "阳娜娜",
           "小龙")
# Generic shapes of personal data: 15/18-digit ID numbers, mobile numbers.
SHAPES = (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), re.compile(r"(?<!\d)\d{15}(?!\d)"),
          re.compile(r"(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"))
HEX_DIGESTS = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


@pytest.mark.parametrize("text, shown", [
    ("身份证 330424198001011234 已核", "身份证 330424************ 已核"),
    ("旧证 330424800101123。", "旧证 330424*********。"),
    ("电话13800138000", "电话138****8000"),
    ("联系电话 +86 139-1234-5678", "联系电话 139****5678"),
    ("座机 0573-86012345", "座机 0573-****"),
    ("驾驶员：张三丰拒绝签字", "驾驶员：张**拒绝签字"),
    ("当事人欧阳娜娜称", "当事人欧***称"),
    ("统一社会信用代码 91330424MA2B3C4D5E 不变", "统一社会信用代码 91330424MA2B3C4D5E 不变"),
    ("车牌 浙F12345，总质量 20250 千克", "车牌 浙F12345，总质量 20250 千克"),
])
def test_redact_text(text, shown):
    assert redact_text(text) == shown


def test_named_private_persons_are_masked_anywhere():
    assert redact({"a": ["李四说他是李四"]}, frozenset({"李四"})) == {"a": ["李*说他是李*"]}


def test_no_public_byte_holds_personal_data(app, directory, login_as, client):
    boss, plan_id, _, drawn = drawn_plan(login_as)
    row = drawn["result"][0]
    officer = login_as(row["officers"][0])
    task = next(t for t in officer.get("/api/tasks?assignee=me").json if t["subject"]["code"] == row["target"])
    note = (f"驾驶员：{NAMES[0]}（身份证 {ID_NUMBERS[0]}，电话 {PHONES[0]}）超限；当事人{NAMES[1]}，"
            f"证件 {ID_NUMBERS[1]} / {ID_NUMBERS[2]}，联系 {PHONES[1]}、{PHONES[2]}")
    record = failing_overload_record(officers=row["officers"], plate=row["target"])
    record["subject"]["code"] = row["target"]
    record["answers"]["within_limit"]["note"] = note
    record["answers"].update(driver_name=NAMES[2], driver_licence=ID_NUMBERS[0],
                             persons_present=f"{NAMES[0]} {PHONES[0]}")
    synced = officer.post("/api/sync", json=sync_body(record)).json["results"][0]
    assert synced["result"] == "created", synced
    assert officer.post(f"/api/tasks/{task['id']}/completion",
                        json={"inspection_uuid": record["uuid"]}).status_code == 200
    assert boss.post(f"/api/tasks/{task['id']}/publish").status_code == 200
    cancelled = boss.post("/api/plans", json={**plan_body(),
                                              "title": f"联系人{NAMES[2]} {PHONES[0]}"}).json["id"]
    boss.post(f"/api/plans/{cancelled}/approve", json={"expected_status": "draft"})
    boss.post(f"/api/plans/{cancelled}/commit", json={"expected_status": "approved"})
    boss.post(f"/api/plans/{cancelled}/cancel", json={"expected_status": "committed",
                                                      "reason": f"当事人{NAMES[1]}（{ID_NUMBERS[1]}）投诉"})

    pages = {}
    for path in ("/public/plans", "/public/plans.json", f"/public/plans/{plan_id}",
                 f"/public/plans/{plan_id}.json", f"/public/plans/{plan_id}/plan.json",
                 f"/public/plans/{cancelled}", f"/public/plans/{cancelled}.json",
                 f"/public/plans/{cancelled}/plan.json"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        pages[path] = answer.data.decode("utf-8")
    shown = pages[f"/public/plans/{plan_id}.json"]
    assert "发现问题" in shown and "超限" in shown and "张**" in shown  # the finding is there, masked
    for path, text in pages.items():
        for secret in (*ID_NUMBERS, *PHONES, *NAMES, *SECRETS):
            assert secret not in text, f"{path} shows {secret!r}"
        # SHA-256 values (seed, hashes) are hexadecimal: a run of their digits is no phone number.
        bare = HEX_DIGESTS.sub("", text)
        for shape in SHAPES:
            assert not shape.search(bare), f"{path} shows {shape.search(bare).group()!r}"
