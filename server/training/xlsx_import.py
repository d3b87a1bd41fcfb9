"""Reading training records from the XLSX sheet the bureau keeps, row by row, in Chinese.

The first sheet's first row names the columns (any order; extra columns are ignored):
用户名 or 执法证号 (who), 课程名称, 学时, 开始日期, 结束日期 (required), 主办单位, 结业证书编号
(optional). Every row is checked before anything is stored: one bad row refuses the whole
file, and the answer lists each bad row's problems (`第 3 行：…`).
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from . import service

COLUMNS = {"用户名": "username", "执法证号": "certificate_number", "课程名称": "course",
           "主办单位": "organiser", "学时": "hours", "开始日期": "started_on", "结束日期": "finished_on",
           "结业证书编号": "completion_certificate"}
REQUIRED = ("course", "hours", "started_on", "finished_on")
MAX_ROWS = 5000
LIMITS = {"course": 200, "organiser": 200, "completion_certificate": 100}
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_TEXT.match(str(value).strip())
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def _hours_tenths(value) -> int | None:
    """Class hours as tenths: a number above 0, at most 200, with at most one decimal."""
    if isinstance(value, bool):
        return None
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    tenths = hours * 10
    if not hours.is_finite() or tenths != tenths.to_integral_value() or not 0 < hours <= 200:
        return None
    return int(tenths)


def _text(value) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _open_sheet(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ApiError("training.import_unreadable") from exc
    return workbook.worksheets[0]


def _header(cells) -> dict[str, int]:
    where = {}
    for index, cell in enumerate(cells):
        name = COLUMNS.get(_text(cell) or "")
        if name:
            where[name] = index
    missing = [label for label, name in COLUMNS.items() if name in REQUIRED and name not in where]
    if "username" not in where and "certificate_number" not in where:
        missing.insert(0, "用户名（或执法证号）")
    if missing:
        raise ApiError("training.import_columns", f"表格第 1 行缺少列：{'、'.join(missing)}。"
                       f"请按模板填写列名后重新导入。", missing=missing)
    return where


def _officers(rows: list[dict]) -> tuple[dict[str, User], dict[str, User]]:
    """Officers named in the sheet, by username and by certificate number (one query each)."""
    names = {r["username"] for r in rows if r.get("username")}
    numbers = {r["certificate_number"] for r in rows if r.get("certificate_number")}
    by_name = {u.username: u for u in db.session.execute(
        sa.select(User).where(User.username.in_(names))).unique().scalars()} if names else {}
    by_number = {u.certificate_number: u for u in db.session.execute(
        sa.select(User).where(User.certificate_number.in_(numbers))).unique().scalars()} if numbers else {}
    return by_name, by_number


def _check_row(raw: dict, by_name, by_number) -> tuple[dict | None, list[str]]:
    problems, row = [], {}
    who = raw.get("username") or raw.get("certificate_number")
    officer = by_name.get(raw["username"]) if raw.get("username") else by_number.get(raw.get("certificate_number"))
    if not who:
        problems.append("缺少用户名（或执法证号）")
    elif officer is None:
        problems.append(f"找不到执法人员“{who}”（请核对用户名或执法证号）")
    elif not officer.has_role("officer"):
        problems.append(f"“{who}”不是执法人员账号")
    for name, limit in LIMITS.items():
        if raw.get(name) and len(raw[name]) > limit:
            problems.append(f"{next(k for k, v in COLUMNS.items() if v == name)}超过 {limit} 个字")
    if not raw.get("course"):
        problems.append("缺少课程名称")
    tenths = _hours_tenths(raw.get("hours")) if raw.get("hours") is not None else None
    if tenths is None:
        problems.append("学时应为大于 0、不超过 200 的数字，最多一位小数")
    started, finished = _date(raw.get("started_on") or ""), _date(raw.get("finished_on") or "")
    if started is None:
        problems.append("开始日期无效（应为日期，如 2026-03-01）")
    if finished is None:
        problems.append("结束日期无效（应为日期，如 2026-03-05）")
    if started and finished and finished < started:
        problems.append("结束日期早于开始日期")
    for day in (started, finished):
        if day and not date(1990, 1, 1) <= day <= date(2199, 12, 31):
            problems.append("日期应在 1990-01-01 至 2199-12-31 之间")
            break
    if problems:
        return None, problems
    row = {"officer_id": officer.id, "course": raw["course"], "organiser": raw.get("organiser"),
           "class_hours_tenths": tenths, "started_on": started, "finished_on": finished,
           "completion_certificate": raw.get("completion_certificate")}
    return row, []


def read_training_xlsx(content: bytes) -> tuple[list[dict], str]:
    """The checked rows of an XLSX file and its SHA-256; ApiError `training.import_invalid`
    listing every bad row (nothing is stored then)."""
    sheet = _open_sheet(content)
    lines = sheet.iter_rows(values_only=True)
    where = _header(next(lines, ()) or ())
    raws = []
    for number, cells in enumerate(lines, start=2):
        if all(_text(c) is None for c in cells):
            continue
        if len(raws) >= MAX_ROWS:
            raise ApiError("training.import_too_large")
        raw = {name: (cells[i] if i < len(cells) else None) for name, i in where.items()}
        for name in ("username", "certificate_number", "course", "organiser", "completion_certificate"):
            raw[name] = _text(raw.get(name))
        raws.append((number, raw))
    if not raws:
        raise ApiError("training.import_empty")
    by_name, by_number = _officers([r for _, r in raws])
    rows, problems, seen = [], [], {}
    for number, raw in raws:
        row, errors = _check_row(raw, by_name, by_number)
        if row:
            key = (row["officer_id"], row["course"], row["started_on"])
            if key in seen:
                errors = [f"与第 {seen[key]} 行重复（同一人员、课程、开始日期）"]
            seen.setdefault(key, number)
        if errors:
            problems.append({"row": number, "errors": errors})
        else:
            rows.append((number, row))
    stored = service.already_recorded((r["officer_id"], r["course"], r["started_on"]) for _, r in rows)
    problems += [{"row": n, "errors": ["该培训记录已登记（同一人员、课程、开始日期）"]}
                 for n, r in rows if (r["officer_id"], r["course"], r["started_on"]) in stored]
    if problems:
        problems.sort(key=lambda p: p["row"])
        summary = "；".join(f"第 {p['row']} 行：{'，'.join(p['errors'])}" for p in problems[:5])
        more = f"等 {len(problems)} 行" if len(problems) > 5 else ""
        raise ApiError("training.import_invalid",
                       f"导入未执行，没有保存任何记录。请修改后重新导入：{summary}{more}。", rows=problems)
    return [r for _, r in rows], hashlib.sha256(content).hexdigest()
