"""An admin loads the target directory from the bureau's spreadsheets: a good file whole, a file
with any error not at all (a report per row, in Chinese); a re-load updates targets by their key
and keeps each credit-class change with its date; every change is audited."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from server.audit.models import AuditEntry
from server.clock import local_today
from server.extensions import db
from server.targets.models import Target, TargetCreditClass

from .files import ALIBABA, HEADER, HUAWEI, TENCENT, XIAOMI, csv_bytes, good_rows, row, xlsx


def upload(client, data: bytes, name: str):
    return client.post("/api/targets/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def entries(action: str) -> list[dict]:
    return [json.loads(d) for d in db.session.execute(sa.select(AuditEntry.details).where(
        AuditEntry.action == action).order_by(AuditEntry.seq)).scalars()]


def test_an_xlsx_file_is_loaded_whole_and_audited(login_as):
    admin = login_as("admin")
    data = xlsx(good_rows())
    answer = upload(admin, data, "检查对象名录.xlsx")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0,
                                 "class_changes": 0}
    targets = {t.key: t for t in db.session.execute(sa.select(Target)).scalars()}
    assert set(targets) == {HUAWEI, TENCENT, ALIBABA, "浙F12345", "CN20081234567"}
    huawei = targets[HUAWEI]
    assert (huawei.category, huawei.credit_class, huawei.credit_class_since) == (
        "road_transport", "A", local_today())
    assert (huawei.latitude, huawei.longitude, huawei.area_code) == (30.5263, 120.9467, "330424001")
    assert huawei.licence_numbers == ["浙交运管许可嘉字330424001234"]
    assert targets[TENCENT].form_ids == ["dangerous-goods", "road-passenger"]  # a title works too
    assert targets[TENCENT].credit_class == "C"
    vehicle = targets["浙F12345"]
    assert (vehicle.key_kind, vehicle.credit_code, vehicle.credit_class) == ("plate", XIAOMI, "D")
    assert targets["CN20081234567"].key_kind == "ship_id"
    [imported] = entries("targets.imported")
    assert imported["rows"] == 5 and imported["created"] == 5
    assert imported["file_sha256"] == __import__("hashlib").sha256(data).hexdigest()
    assert len(entries("target.created")) == 5 and len(entries("target.credit_class_set")) == 5


def test_a_reload_updates_by_key_and_keeps_each_class_change_with_its_date(login_as):
    admin = login_as("admin")
    first = good_rows()
    first[0][13] = local_today() - timedelta(days=10)  # an XLSX date cell
    assert upload(admin, xlsx(first), "first.xlsx").status_code == 200
    changed = good_rows()
    since = (local_today() - timedelta(days=3)).strftime("%Y/%m/%d")
    changed[0][12], changed[0][13] = "C", since  # Huawei: A -> C from three days ago
    changed[2][7] = "海盐县秦山街道新址"  # Alibaba moved
    answer = upload(admin, csv_bytes(changed, encoding="gbk"), "WPS导出.csv")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"rows": 5, "created": 0, "updated": 2, "unchanged": 3,
                                 "class_changes": 1}
    huawei = db.session.execute(sa.select(Target).filter_by(key=HUAWEI)).scalar_one()
    assert (huawei.credit_class, huawei.credit_class_since) == ("C", local_today() - timedelta(days=3))
    history = db.session.execute(sa.select(TargetCreditClass).filter_by(target_id=huawei.id)
                                 .order_by(TargetCreditClass.id)).scalars().all()
    assert [(h.credit_class, h.effective_date) for h in history] == [
        ("A", local_today() - timedelta(days=10)), ("C", local_today() - timedelta(days=3))]
    updated = entries("target.updated")
    assert {tuple(sorted(u["changed"])) for u in updated} == {
        ("credit_class", "credit_class_since"), ("address",)}
    assert [u["before"]["credit_class"] for u in updated if "credit_class" in u["changed"]] == ["A"]
    # the same file again changes nothing but says so in the log
    again = upload(admin, csv_bytes(changed, encoding="utf-8-sig"), "again.csv").get_json()
    assert again["unchanged"] == 5 and len(entries("targets.imported")) == 3


def test_a_file_with_errors_is_refused_row_by_row_and_nothing_is_stored(login_as):
    admin = login_as("admin")
    rows = good_rows() + [
        row(name="校验位错误公司", code=HUAWEI[:5] + "2" + HUAWEI[6:]),
        row(category="出租车公司", name="未知类别", code=ALIBABA),
        row(category="车辆", name="无车牌", plate=""),
        row(name="等级错误", code=XIAOMI, credit_class="AA"),
        row(name="重复", code=HUAWEI.lower()),
        row(name="坐标缺一", code="91350100M000100Y43", lat="30.5"),
        row(name="未知事项", code="91350100M000100Y43", items="taxi；不存在的事项"),
    ]
    answer = upload(admin, xlsx(rows), "有错误.xlsx")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["code"] == "targets.import_invalid" and "未导入任何数据" in problem["detail"]
    by_row = {(e["row"], e["column"]): e["message"] for e in problem["errors"]}
    assert "校验位不符" in by_row[(7, "统一社会信用代码")]
    assert "对象类别“出租车公司”不存在" in by_row[(8, "对象类别")]
    assert "须填写车牌号" in by_row[(9, "车牌号")]
    assert "应为 A、B、C 或 D" in by_row[(10, "信用等级")]
    assert "与第 2 行是同一检查对象" in by_row[(11, "统一社会信用代码")]
    assert "同时填写" in by_row[(12, "经度")]
    assert "不存在的事项" in by_row[(13, "抽查事项")]
    assert problem["error_count"] == 7
    assert db.session.execute(sa.select(sa.func.count()).select_from(Target)).scalar() == 0
    assert entries("targets.imported") == [] and entries("target.created") == []


def test_a_class_change_dated_before_the_current_class_is_refused(login_as):
    admin = login_as("admin")
    upload(admin, xlsx(good_rows()), "first.xlsx")
    late = good_rows()
    late[1][12], late[1][13] = "A", "2001-01-01"
    problem = upload(admin, xlsx(late), "late.xlsx").get_json()
    assert problem["code"] == "targets.import_invalid"
    assert "早于现有等级" in problem["errors"][0]["message"] and problem["errors"][0]["row"] == 3


def test_headers_and_files_that_cannot_be_read(login_as):
    admin = login_as("admin")
    unknown = upload(admin, csv_bytes([], header=["对象类别", "名称", "信用等级", "负责人电话"]), "a.csv")
    assert "不认识的列“负责人电话”" in unknown.get_json()["errors"][0]["message"]
    missing = upload(admin, csv_bytes([["车辆", "x"]], header=["对象类别", "名称"]), "b.csv").get_json()
    assert missing["errors"][0]["message"] == "缺少必需的列“信用等级”。"
    garbage = upload(admin, b"PK\x03\x04not really a workbook", "c.xlsx").get_json()
    assert "不是有效的 XLSX" in garbage["errors"][0]["message"]
    empty = admin.post("/api/targets/import", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and empty.get_json()["code"] == "targets.file_required"


def test_only_an_admin_imports(login_as):
    for name in ("officer1", "supervisor1"):
        answer = upload(login_as(name), xlsx(good_rows()), "x.xlsx")
        assert answer.status_code == 403 and answer.get_json()["code"] == "auth.forbidden"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Target)).scalar() == 0


def test_the_cli_loads_a_file_or_lists_its_errors(runner, app, tmp_path):
    good, bad = tmp_path / "名录.xlsx", tmp_path / "bad.csv"
    good.write_bytes(xlsx(good_rows()))
    bad.write_bytes(csv_bytes([row(name="x", code=HUAWEI[:-1] + "7")], encoding="gbk"))
    result = runner.invoke(args=["targets", "import", str(bad)])
    assert result.exit_code == 1 and "第 2 行「统一社会信用代码」" in result.output
    result = runner.invoke(args=["targets", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 5" in result.output
    db.session.remove()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Target)).scalar() == 5


def test_a_title_row_and_excels_unicode_text_export_are_read(login_as):
    admin = login_as("admin")
    book = xlsx(good_rows(), header=["海盐县交通运输局检查对象名录（2026年）"])  # a title row first…
    sheet_book = load_workbook(io.BytesIO(book))
    sheet = sheet_book.active
    sheet.insert_rows(2)
    for column, text in enumerate(HEADER, start=1):  # …then the real header
        sheet.cell(row=2, column=column, value=text)
    out = io.BytesIO()
    sheet_book.save(out)
    answer = upload(admin, out.getvalue(), "带标题.xlsx")
    assert answer.status_code == 200, answer.get_json()
    tab_text = "\n".join("\t".join(str(c) for c in r) for r in [HEADER, *good_rows()])
    unicode_text = upload(admin, tab_text.encode("utf-16"), "Unicode文本.txt")
    assert unicode_text.get_json()["unchanged"] == 5, unicode_text.get_json()
