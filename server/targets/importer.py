"""Checking a target file's rows (header row in Chinese) into rows that load_targets takes, with
every problem named by row number, column and a zh-CN message (reading.py reads the file).

Real files: the header may follow a title row, blank rows are skipped anywhere, codes typed in
lower case, full width or with spaces are normalised, dates come as cells or text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from ..clock import local_today
from ..forms.service import current_versions
from . import codes
from .models import CATEGORIES, KEY_KIND_OF_CATEGORY, KEY_KINDS
from .reading import read_table, text_of
from .service import class_date_problem, form_domains, targets_by_key

MAX_ROWS = 20000
# field -> the headers a file may use for it (the first is what the template writes).
HEADERS = {
    "category": ("对象类别", "类别", "检查对象类别"),
    "name": ("名称", "对象名称", "企业名称", "单位名称", "船名"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "plate": ("车牌号", "号牌号码", "车牌号码"),
    "ship_id": ("船舶识别号",),
    "licence_numbers": ("许可证号", "经营许可证号", "许可证件号", "道路运输证号"),
    "address": ("地址", "经营地址", "住所"),
    "area_code": ("行政区划代码", "区划代码"),
    "area_name": ("所属区域", "乡镇（街道）", "乡镇街道", "区域"),
    "longitude": ("经度",),
    "latitude": ("纬度",),
    "credit_class": ("信用等级", "信用风险分类", "信用风险等级", "信用评价等级"),
    "class_effective": ("等级生效日期", "信用等级生效日期", "评价日期"),
    "form_ids": ("抽查事项", "检查表单"),
}
IGNORED = ("序号", "备注")
REQUIRED = ("category", "name", "credit_class")
_BY_HEADER = {h: name for name, headers in HEADERS.items() for h in headers}
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")
_CLASS = re.compile(r"^([ABCD])(级|类)?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})


def parse_file(data: bytes, filename: str, today: date | None = None) -> ParsedFile:
    """Every row of the file checked; `rows` is meaningful only when `errors` is empty."""
    parsed = ParsedFile()
    try:
        table = [(n, cells) for n, cells in read_table(data, filename) if any(text_of(c) for c in cells)]
    except ValueError as exc:
        parsed.error(1, None, str(exc))
        return parsed
    if not table:
        parsed.error(1, None, "文件中没有数据（需要一行中文表头和至少一行检查对象）。")
        return parsed
    start = _header_index(table)
    header_row, header = table[start]
    columns = _columns(parsed, header_row, header)
    body = table[start + 1:]
    if len(body) > MAX_ROWS:
        parsed.error(header_row, None, f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(body)} 行，请分批导入。")
    if parsed.errors:
        return parsed
    if not body:
        parsed.error(header_row, None, "文件中只有表头，没有检查对象。")
        return parsed
    context = _Context(today or local_today(), form_domains(),
                       {form.title: form.id for form in current_versions()})
    seen: dict[tuple[str, str], int] = {}
    for number, cells in body:
        values = {name: text_of(cells[i]) if i < len(cells) else "" for name, (i, _) in columns.items()}
        values.update({name: cells[i] for name, (i, _) in columns.items()
                       if name == "class_effective" and i < len(cells)})
        row = _check_row(parsed, number, values, columns, context)
        if row is None:
            continue
        key = (KEY_KIND_OF_CATEGORY[row["category"]], row["key"])
        if key in seen:
            parsed.error(number, _header(columns, row["key_field"]),
                         f"与第 {seen[key]} 行是同一检查对象（{KEY_KINDS[key[0]]} {key[1]}），请合并为一行。")
            continue
        seen[key] = number
        row["row"] = number
        parsed.rows.append(row)
    if not parsed.errors:
        _check_against_directory(parsed, columns)
    return parsed


def _header_index(table: list[tuple[int, list]]) -> int:
    """The header row: the first of the first five that names two known columns (a sheet may
    open with a title row such as 海盐县检查对象名录), else the first row."""
    for index, (_, cells) in enumerate(table[:5]):
        if sum(text_of(c).replace(" ", "") in _BY_HEADER for c in cells) >= 2:
            return index
    return 0


def _columns(parsed: ParsedFile, number: int, header: list) -> dict[str, tuple[int, str]]:
    columns: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        text = text_of(cell).replace(" ", "")
        if not text or text in IGNORED:
            continue
        name = _BY_HEADER.get(text)
        if name is None:
            parsed.error(number, text, f"不认识的列“{text}”。可用的列：{'、'.join(h[0] for h in HEADERS.values())}。")
        elif name in columns:
            parsed.error(number, text, f"列“{text}”与列“{columns[name][1]}”重复。")
        else:
            columns[name] = (index, text)
    for name in REQUIRED:
        if name not in columns:
            parsed.error(number, HEADERS[name][0], f"缺少必需的列“{HEADERS[name][0]}”。")
    return columns


def _header(columns: dict, name: str) -> str:
    return columns[name][1] if name in columns else HEADERS[name][0]


@dataclass
class _Context:
    today: date
    forms: dict[str, str]
    form_titles: dict[str, str]
    _labels: dict = field(default_factory=dict)

    def category(self, text: str) -> str | None:
        if not self._labels:
            self._labels = {label: code for code, label in CATEGORIES.items()} | {c: c for c in CATEGORIES}
        return self._labels.get(text) or self._labels.get(text.lower())


def _check_row(parsed: ParsedFile, number: int, values: dict, columns: dict,
               context: _Context) -> dict | None:
    before = len(parsed.errors)

    def fail(name: str, message: str) -> None:
        parsed.error(number, _header(columns, name), message)

    for name in REQUIRED:
        if not values.get(name):
            fail(name, "此项必填。")
    category = context.category(values["category"]) if values.get("category") else None
    if values.get("category") and category is None:
        fail("category", f"对象类别“{values['category']}”不存在，应为：{'、'.join(CATEGORIES.values())}。")
    row = {"category": category, "name": values.get("name", "")[:200]}
    if len(values.get("name", "")) > 200:
        fail("name", "名称最多 200 个字。")
    credit = codes.normalise(values.get("credit_code", ""))
    if credit:
        problem = codes.credit_code_problem(credit)
        if problem:
            fail("credit_code", problem)
    row["credit_code"] = credit or None
    if category is not None:
        kind = KEY_KIND_OF_CATEGORY[category]
        key_field = "credit_code" if kind == "credit_code" else kind
        key = credit if kind == "credit_code" else codes.normalise(values.get(kind, ""))
        row["key"], row["key_field"] = key, key_field
        if not key:
            fail(key_field, f"{CATEGORIES[category]}须填写{KEY_KINDS[kind]}。")
        elif kind != "credit_code" and (problem := codes.KEY_PROBLEM[kind](key)):
            fail(key_field, problem)
    row["licence_numbers"] = [codes.normalise(x) for x in _LIST_SPLIT.split(values.get("licence_numbers", ""))
                              if x.strip()]
    row["address"] = values.get("address") or None
    area_code = values.get("area_code", "").replace(" ", "")
    if area_code and not re.fullmatch(r"\d{6}|\d{9}|\d{12}", area_code):
        fail("area_code", "行政区划代码应为 6、9 或 12 位数字。")
    row["area_code"], row["area_name"] = area_code or None, values.get("area_name") or None
    row["latitude"], row["longitude"] = _coordinates(values, fail)
    credit_class = values.get("credit_class", "").upper().replace(" ", "")
    match = _CLASS.match(credit_class)
    if credit_class and not match:
        fail("credit_class", f"信用等级“{values['credit_class']}”应为 A、B、C 或 D。")
    row["credit_class"] = match.group(1) if match else None
    row["class_effective"] = _effective(values.get("class_effective"), context.today, fail)
    row["form_ids"] = _forms(values.get("form_ids", ""), context, fail)
    return row if len(parsed.errors) == before else None


def _coordinates(values: dict, fail) -> tuple[float | None, float | None]:
    lat, lon = values.get("latitude", ""), values.get("longitude", "")
    if not lat and not lon:
        return None, None
    if not lat or not lon:
        fail("latitude" if not lat else "longitude", "经度和纬度须同时填写。")
        return None, None
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        fail("latitude", "经纬度应为十进制度数（如 30.5263、120.9467）。")
        return None, None
    if not (-90 <= latitude <= 90):
        fail("latitude", "纬度应在 -90 到 90 之间。")
    if not (-180 <= longitude <= 180):
        fail("longitude", "经度应在 -180 到 180 之间。")
    return latitude, longitude


def _effective(value, today: date, fail) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    elif not text_of(value):
        return today
    else:
        match = _DATE.match(text_of(value).replace(" ", ""))
        try:
            day = date(*map(int, match.groups())) if match else None
        except ValueError:
            day = None
        if day is None:
            fail("class_effective", f"日期“{text_of(value)}”无法识别，应为 YYYY-MM-DD。")
            return today
    if day > today:
        fail("class_effective", f"信用等级生效日期 {day.isoformat()} 晚于今天，请在生效后再导入。")
    elif day.year < 1990:
        fail("class_effective", "信用等级生效日期过早，请核对。")
    return day


def _forms(text: str, context: _Context, fail) -> list[str]:
    found = []
    for part in (p.strip() for p in _LIST_SPLIT.split(text) if p.strip()):
        form_id = part.lower() if part.lower() in context.forms else context.form_titles.get(part)
        if form_id is None:
            fail("form_ids", f"抽查事项“{part}”不存在（填写检查表单编号或名称，见执法监管事项清单）。")
        elif form_id not in found:
            found.append(form_id)
    return found


def _check_against_directory(parsed: ParsedFile, columns: dict) -> None:
    """What only the stored directory can say: a class change dated before the current class."""
    stored = targets_by_key((KEY_KIND_OF_CATEGORY[r["category"]], r["key"]) for r in parsed.rows)
    for row in parsed.rows:
        target = stored.get((KEY_KIND_OF_CATEGORY[row["category"]], row["key"]))
        problem = class_date_problem(target, row["credit_class"], row["class_effective"])
        if problem:
            parsed.error(row["row"], _header(columns, "class_effective"), problem)
