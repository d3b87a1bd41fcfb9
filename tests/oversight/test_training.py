"""Training records: an admin imports the bureau's XLSX sheet (all rows or none, each bad row
named in Chinese), records one course, and everyone reads what they may; every record is
audited and `audit verify` vouches for it."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from server.audit.models import AuditEntry
from server.extensions import db
from server.training.models import TrainingRecord
from tests.oversight.history import XLSX, make_cast, training_sheet

HEADER = ["用户名", "课程名称", "主办单位", "学时", "开始日期", "结束日期", "结业证书编号"]


@pytest.fixture
def cast(app):
    ids = {name: user.id for name, user in make_cast().items()}
    db.session.remove()
    return ids


def sheet(*rows, header=HEADER) -> bytes:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def stored() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(TrainingRecord)).scalar_one()


def test_an_import_with_bad_rows_stores_nothing_and_names_each_row(app, cast):
    admin = app.test_client()
    admin.login("admin")
    body = sheet(
        ["officer1", "行政处罚法专题", "嘉兴市交通运输局", 8, date(2026, 3, 1), date(2026, 3, 2), None],
        ["nobody", "执法文书规范", None, 4, date(2026, 3, 1), date(2026, 3, 1), None],
        ["officer2", "", None, "八", "2026-13-01", date(2026, 3, 1), None],
        ["supervisor1", "执法礼仪", None, 2.25, date(2026, 3, 5), date(2026, 3, 4), None],
        ["officer1", "行政处罚法专题", None, 8, date(2026, 3, 1), date(2026, 3, 2), None])
    answer = admin.post("/api/training/import", data=body, content_type=XLSX)
    problem = answer.get_json()
    assert answer.status_code == 422 and problem["code"] == "training.import_invalid", problem
    assert answer.mimetype == "application/problem+json"
    assert problem["rows"] == [
        {"row": 3, "errors": ["找不到执法人员“nobody”（请核对用户名或执法证号）"]},
        {"row": 4, "errors": ["缺少课程名称", "学时应为大于 0、不超过 200 的数字，最多一位小数",
                              "开始日期无效（应为日期，如 2026-03-01）"]},
        {"row": 5, "errors": ["“supervisor1”不是执法人员账号", "学时应为大于 0、不超过 200 的数字，最多一位小数",
                              "结束日期早于开始日期"]},
        {"row": 6, "errors": ["与第 2 行重复（同一人员、课程、开始日期）"]}]
    assert "没有保存任何记录" in problem["detail"] and "第 3 行" in problem["detail"]
    assert stored() == 0


def test_an_import_stores_every_row_audited_and_a_second_import_is_refused(app, cast, runner):
    admin = app.test_client()
    admin.login("admin")
    first = admin.post("/api/training/import", data=training_sheet(), content_type=XLSX)
    assert first.status_code == 200 and first.get_json()["imported"] == 4
    assert stored() == 4
    again = admin.post("/api/training/import", data=training_sheet(), content_type=XLSX)
    assert again.status_code == 422
    assert {tuple(r["errors"]) for r in again.get_json()["rows"]} == {("该培训记录已登记（同一人员、课程、开始日期）",)}
    assert stored() == 4
    actions = [a for (a,) in db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("training.%")).order_by(AuditEntry.seq))]
    assert actions == ["training.recorded"] * 4 + ["training.imported"]
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_files_that_are_not_the_sheet_are_refused(app, cast):
    admin = app.test_client()
    admin.login("admin")
    notxlsx = admin.post("/api/training/import", data=b"name,hours\r\n", content_type=XLSX)
    assert notxlsx.status_code == 422 and notxlsx.get_json()["code"] == "training.import_unreadable"
    columns = admin.post("/api/training/import", data=sheet(["officer1"], header=["姓名", "学时"]), content_type=XLSX)
    assert columns.status_code == 422 and columns.get_json()["code"] == "training.import_columns"
    assert "用户名（或执法证号）" in columns.get_json()["detail"]
    empty = admin.post("/api/training/import", data=sheet(), content_type=XLSX)
    assert empty.get_json()["code"] == "training.import_empty"
    officer = app.test_client()
    officer.login("officer1")
    assert officer.post("/api/training/import", data=training_sheet(), content_type=XLSX).status_code == 403
    assert stored() == 0


def test_one_course_recorded_and_read_by_whom_it_concerns(app, cast):
    admin = app.test_client()
    admin.login("admin")
    course = {"officer_id": cast["officer3"], "course": "船舶污染防治", "class_hours": 7.5,
              "started_on": "2026-02-01", "finished_on": "2026-02-02"}
    made = admin.post("/api/training/records", json=course)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["class_hours"] == 7.5
    assert admin.post("/api/training/records", json=course).get_json()["code"] == "training.duplicate"
    for change, field in (({"class_hours": 0.25}, "class_hours"), ({"finished_on": "2026-01-01"}, "finished_on")):
        bad = admin.post("/api/training/records", json={**course, **change})
        assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {field}, bad.get_json()
    reviewer = admin.post("/api/training/records", json={**course, "officer_id": cast["reviewer1"]})
    assert reviewer.get_json()["code"] == "training.not_an_officer"

    def seen(username, **query):
        client = app.test_client()
        client.login(username)
        answer = client.get("/api/training/records", query_string=query)
        return answer.status_code, [r["course"] for r in answer.get_json().get("records", [])]

    assert seen("officer3") == (200, ["船舶污染防治"])
    assert seen("officer1") == (200, [])
    assert seen("officer1", officer=cast["officer3"])[0] == 404
    assert seen("supervisor2") == (200, ["船舶污染防治"])
    assert seen("supervisor1") == (200, [])
    assert seen("supervisor1", officer=cast["officer3"])[0] == 404
