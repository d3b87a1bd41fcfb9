"""One answer against its item's type: shape, range, options, evidence; messages in zh-CN."""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from .definition import CHECK_RESULTS

DEFAULT_MAX_TEXT = 4000
DEFAULT_MAX_EVIDENCE = 30
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class AnswerError:
    """One problem with one answer: item path, machine code, zh-CN message."""

    item: str
    code: str
    message: str


@dataclass(frozen=True)
class EvidenceRef:
    """An evidence file the answers name: where, what kind (photo, audio, video, signature), which."""

    item: str
    kind: str
    uuid: str


def fmt_number(value) -> str:
    """A number as a person reads it: 18000, not 18000.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# A UUID as str(uuid.UUID(text)) writes it: such text is its own canonical form, no UUID needed.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value) -> str | None:
    if not isinstance(value, str) or len(value) != 36:
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _evidence_list(item, value, path, kind):
    if not isinstance(value, list):
        return [AnswerError(path, "wrong_type", "应为证据文件编号（UUID）列表。")], []
    ids = [_uuid(v) for v in value]
    if None in ids:
        return [AnswerError(path, "wrong_type", "证据文件编号应为 UUID。")], []
    if len(set(ids)) != len(ids):
        return [AnswerError(path, "wrong_type", "同一证据文件不应重复列出。")], []
    errors = []
    low, high = item.get("min_count", 1), item.get("max_count", DEFAULT_MAX_EVIDENCE)
    if len(ids) < low:
        errors.append(AnswerError(path, "too_few", f"至少需要 {low} 个文件。"))
    if len(ids) > high:
        errors.append(AnswerError(path, "too_many", f"最多 {high} 个文件。"))
    return errors, [EvidenceRef(path, kind, i) for i in ids]


def _range(item, value, path):
    unit = item.get("unit", "")
    if "min" in item and value < item["min"]:
        return [AnswerError(path, "out_of_range", f"应不小于 {fmt_number(item['min'])}{unit}。")]
    if "max" in item and value > item["max"]:
        return [AnswerError(path, "out_of_range", f"应不大于 {fmt_number(item['max'])}{unit}。")]
    return []


def _check(item, value, path):
    if not isinstance(value, dict) or not set(value) <= {"result", "note", "photos"}:
        return [AnswerError(path, "wrong_type", "应为检查结果对象（result、note、photos）。")], []
    result = value.get("result")
    offered = [r for r in CHECK_RESULTS if r != "na" or item.get("allow_na", True)]
    if result not in offered:
        labels = "、".join(CHECK_RESULTS[r] for r in offered)
        return [AnswerError(path, "not_offered", f"检查结果应为{labels}之一。")], []
    note = value.get("note")
    if note is not None and not isinstance(note, str):
        return [AnswerError(path, "wrong_type", "情况说明应为文本。")], []
    errors, evidence = [], []
    if value.get("photos") not in (None, []):
        errors, evidence = _evidence_list({"min_count": 0}, value["photos"], path + ".photos", "photo")
    if result == "fail" and (not evidence or not (note or "").strip()):
        errors.append(AnswerError(path, "evidence_required",
                                  "判定为“不符合”时，须拍摄至少一张照片并填写情况说明。"))
    return errors, evidence


def _scalar(item, value, path):
    kind = item["type"]
    if kind == "text":
        if not isinstance(value, str):
            return [AnswerError(path, "wrong_type", "应为文本。")]
        limit = item.get("max_length", DEFAULT_MAX_TEXT)
        return [AnswerError(path, "too_long", f"内容过长（最多 {limit} 字）。")] if len(value) > limit else []
    if kind == "integer":
        if not _is_number(value) or not float(value).is_integer():
            return [AnswerError(path, "wrong_type", "应为整数。")]
        return _range(item, value, path)
    if kind == "decimal":
        return _range(item, value, path) if _is_number(value) else [AnswerError(path, "wrong_type", "应为数字。")]
    if kind == "select":
        if not isinstance(value, str):
            return [AnswerError(path, "wrong_type", "应为一个选项。")]
        offered = {o["value"] for o in item["options"]}
        return [] if value in offered else [AnswerError(path, "not_offered", f"“{value}”不是此项的选项。")]
    if kind == "multiselect":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(set(value)) != len(value):
            return [AnswerError(path, "wrong_type", "应为不重复的选项列表。")]
        offered = {o["value"] for o in item["options"]}
        return [AnswerError(path, "not_offered", f"“{v}”不是此项的选项。") for v in value if v not in offered]
    if kind == "date":
        try:
            if isinstance(value, str) and _DATE.match(value) and date.fromisoformat(value):
                return []
        except ValueError:
            pass
        return [AnswerError(path, "wrong_type", "应为日期（YYYY-MM-DD）。")]
    if kind == "datetime":
        try:
            if isinstance(value, str) and _DATETIME.match(value) and datetime.fromisoformat(value):
                return []
        except ValueError:
            pass
        return [AnswerError(path, "wrong_type", "应为带时区的日期时间（ISO 8601，如 2024-05-01T09:30:00+08:00）。")]
    if kind == "location":
        if not (isinstance(value, dict) and set(value) == {"lat", "lon", "accuracy"}
                and all(_is_number(v) for v in value.values())):
            return [AnswerError(path, "wrong_type", "应为位置（纬度 lat、经度 lon、精度 accuracy）。")]
        if not (-90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180 and 0 <= value["accuracy"] <= 100000):
            return [AnswerError(path, "out_of_range", "位置超出有效范围（纬度 ±90，经度 ±180，精度 0–100000 米）。")]
        return []
    raise AssertionError(f"no checker for {kind}")


def check_value(item: dict, value, path: str) -> tuple[list[AnswerError], list[EvidenceRef]]:
    """Errors of a present answer to a non-repeat item, and the evidence it names."""
    kind = item["type"]
    if kind == "check":
        return _check(item, value, path)
    if kind in ("photo", "audio", "video"):
        return _evidence_list(item, value, path, kind)
    if kind == "signature":
        ident = _uuid(value)
        if ident is None:
            return [AnswerError(path, "wrong_type", "应为签名文件编号（UUID）。")], []
        return [], [EvidenceRef(path, "signature", ident)]
    return _scalar(item, value, path), []
