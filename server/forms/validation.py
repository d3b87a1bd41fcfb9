"""Checking a record's answers against the exact form version it names (pure: no database, no HTTP).

Answer shapes (one per item id; see forms/README.md): check {"result": "pass"|"fail"|"na",
"note": str, "photos": [uuid]}; text/select str; integer/decimal number; multiselect [str];
date "YYYY-MM-DD"; datetime ISO 8601 with offset; location {"lat", "lon", "accuracy"};
photo/audio/video [uuid]; signature uuid; repeat [{column id: answer}]; computed: optional, the
server's value wins and a different client value is an error; note: never answered. A check's
`result_rules` (computed values or other answers that settle it) refuse a result they do not allow.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import answer_types
from .answer_types import AnswerError, EvidenceRef, fmt_number
from .definition import CHECK_RESULTS
from .loader import FormVersion
from .logic import evaluate, truthy

__all__ = ["AnswerCheck", "AnswerError", "EvidenceRef", "validate_answers", "walk_answers", "logic_data",
           "refused_by_rules"]


@dataclass
class AnswerCheck:
    """The outcome: errors (empty when the answers fit), server-computed values, evidence named."""

    errors: list[AnswerError] = field(default_factory=list)
    computed: dict[str, object] = field(default_factory=dict)
    evidence: list[EvidenceRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_by_item(self) -> dict[str, list[str]]:
        """zh-CN messages per item path, the `errors` member of a problem+json answer."""
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.item, []).append(error.message)
        return grouped


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _projection(item: dict, value):
    """The value an expression sees for an answer (a check's result; rows projected)."""
    if item["type"] == "check":
        return value.get("result") if isinstance(value, dict) else value
    if item["type"] == "repeat" and isinstance(value, list):
        return [logic_data(item["items"], row) if isinstance(row, Mapping) else row for row in value]
    return value


def logic_data(items: list[dict], answers: Mapping) -> dict:
    """The data JSON Logic runs on: answered items only (no nulls, "" or []), checks as results."""
    data = {}
    for item in items:
        value = answers.get(item["id"])
        if item["type"] != "note" and not is_empty(value):
            projected = _projection(item, value)
            if not is_empty(projected):
                data[item["id"]] = projected
    return data


def _normalise_computed(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, dict)):
        return None
    return value


def _same_computed(sent, server) -> bool:
    if isinstance(sent, (int, float)) and isinstance(server, (int, float)) \
            and not isinstance(sent, bool) and not isinstance(server, bool):
        return math.isclose(sent, server, rel_tol=1e-9, abs_tol=1e-9)
    return sent == server


def _top_items(form: FormVersion):
    for section in form.definition["sections"]:
        for item in section["items"]:
            yield section, item


def validate_answers(form: FormVersion, answers: Mapping) -> AnswerCheck:
    """Check `answers` (item id -> answer, as JSON) against `form`; never raises on bad input.

    Returns an AnswerCheck: `errors` (one AnswerError per problem: item path such as
    "axles[1].axle_mass", a machine `code`, a zh-CN `message`), `computed` (the server's value
    of every computed item, None until all its inputs are answered; store these, not the
    client's), and `evidence` (every evidence UUID the answers name, with item path and kind,
    so the caller can match them with the record's evidence list). Codes: unknown_item,
    not_answerable, hidden, required, wrong_type, out_of_range, not_offered, too_long,
    too_few, too_many, evidence_required, computed_mismatch, result_contradicts (a check's
    result that its result rules refuse, with the rule's reason).

    Runs the form version's checks compiled once (form_checks.py); `walk_answers` is the same
    by reading the form's tree, the reference they are tested against.
    """
    return checks_of(form)(answers)


def walk_answers(form: FormVersion, answers: Mapping) -> AnswerCheck:
    """`validate_answers` by walking the form's tree on every call: the reference."""
    check = AnswerCheck()
    if not isinstance(answers, Mapping):
        check.errors.append(AnswerError("", "wrong_type", "答案应为以检查项编号为键的对象。"))
        return check
    top_level = [item for _, item in _top_items(form)]
    for key in answers:
        ref = form.items.get(key)
        if ref is None or ref.repeat is not None:
            check.errors.append(AnswerError(str(key), "unknown_item", "表单中没有此检查项，请更新表单后重试。"))
        elif ref.item["type"] == "note":
            check.errors.append(AnswerError(key, "not_answerable", "此项为说明文字，不需要填写。"))
    data = logic_data(top_level, answers)
    for item_id, inputs in form.computed:
        item = form.items[item_id].item
        value = None
        if all(name in data for name in inputs):
            value = _normalise_computed(evaluate(item["compute"], data))
        check.computed[item_id] = value
        if value is not None:
            data[item_id] = value
        sent = answers.get(item_id)
        if sent is not None and not _same_computed(sent, value):
            shown = "空" if value is None else fmt_number(value)
            check.errors.append(AnswerError(item_id, "computed_mismatch",
                                            f"计算结果与服务器不一致（服务器计算为 {shown}），请更新表单后重新计算。"))
    for section, item in _top_items(form):
        visible = "show_if" not in section or truthy(evaluate(section["show_if"], data))
        _check_item(check, item, answers.get(item["id"]), data, item["id"], visible)
    return check


def _check_item(check: AnswerCheck, item: dict, value, data: dict, path: str, visible: bool) -> None:
    if item["type"] in ("computed", "note"):
        return
    if visible and "show_if" in item:
        visible = truthy(evaluate(item["show_if"], data))
    present = not is_empty(value)
    if not visible:
        if present:
            check.errors.append(AnswerError(path, "hidden", "此项在当前情况下不显示，不应填写，请删除该答案。"))
        return
    required = item["required"] or ("required_if" in item and truthy(evaluate(item["required_if"], data)))
    if not present:
        if required:
            check.errors.append(AnswerError(path, "required", "此项必填。"))
        return
    if item["type"] == "repeat":
        _check_rows(check, item, value, data, path)
        return
    errors, evidence = answer_types.check_value(item, value, path)
    check.errors.extend(errors)
    check.evidence.extend(evidence)
    if item["type"] == "check" and "result_rules" in item and isinstance(value, Mapping) \
            and isinstance(value.get("result"), str) and value["result"] in CHECK_RESULTS:
        check.errors.extend(AnswerError(path, "result_contradicts", reason)
                            for reason in refused_by_rules(item, value.get("result"), data))


def refused_by_rules(item: dict, result, data: dict) -> list[str]:
    """The reasons of the check's result rules that apply to `data` and do not allow `result`."""
    return [rule["reason"] for rule in item.get("result_rules") or ()
            if result not in rule["results"] and truthy(evaluate(rule["when"], data))]


def _check_rows(check: AnswerCheck, item: dict, rows, data: dict, path: str) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
        check.errors.append(AnswerError(path, "wrong_type", "应为多行记录（对象列表）。"))
        return
    if len(rows) < item.get("min_rows", 0):
        check.errors.append(AnswerError(path, "too_few", f"至少需要填写 {item['min_rows']} 行。"))
    if len(rows) > item.get("max_rows", 100):
        check.errors.append(AnswerError(path, "too_many", f"最多填写 {item.get('max_rows', 100)} 行。"))
    columns = {child["id"]: child for child in item["items"]}
    for index, row in enumerate(rows):
        row_path = f"{path}[{index}]"
        for key in row:
            if key not in columns:
                check.errors.append(AnswerError(f"{row_path}.{key}", "unknown_item",
                                                "表单中没有此检查项，请更新表单后重试。"))
        row_data = {**data, **logic_data(item["items"], row)}
        for child in item["items"]:
            _check_item(check, child, row.get(child["id"]), row_data, f"{row_path}.{child['id']}", True)


from .form_checks import checks_of  # noqa: E402 - it builds on the definitions above
