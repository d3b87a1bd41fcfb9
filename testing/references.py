"""The plain implementations that the fast ones are fuzz-tested against, one copy each: a form's
answer checks walking its tree on every call (forms/form_checks.py compiles them:
tests/forms/test_form_checks.py), and a record's content spelled and its failed checks counted
one call per value (inspections/content.normal_form, models.count_failed_checks:
tests/test_record_content.py). Nothing in server/ uses them.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone

from server.forms import answer_types
from server.forms.answer_types import AnswerError, fmt_number
from server.forms.definition import CHECK_RESULTS
from server.forms.loader import FormVersion
from server.forms.logic import evaluate, truthy
from server.forms.validation import AnswerCheck, _normalise_computed, _same_computed, is_empty
from server.inspections.content import TIME_FIELDS

# Answer checks (forms/validation.validate_answers), walking the form's tree.


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


def _top_items(form: FormVersion):
    for section in form.definition["sections"]:
        for item in section["items"]:
            yield section, item


def walk_answers(form: FormVersion, answers: Mapping) -> AnswerCheck:
    """forms/validation.validate_answers by walking the form's tree on every call: the reference."""
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


# A record's content (inspections/content.py, inspections/models.py), one call per value.

_EXACT_INT = 2 ** 53


def normal_form(value, key=None):
    """inspections/content.normal_form as it was written before (one call per value)."""
    kind = type(value)
    if kind is str:
        if key in TIME_FIELDS:
            return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat()
        return value
    if kind is dict:
        return {str(k): normal_form(v, k) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [normal_form(v) for v in value]
    if value is None or kind is bool:
        return value
    if kind is int:
        if -_EXACT_INT <= value <= _EXACT_INT:
            return value
        value = float(value)
    elif kind is not float:
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).isoformat() if key in TIME_FIELDS else value
        return str(value) if isinstance(value, uuid.UUID) else value
    return int(value) if value.is_integer() else value


def failed_checks(answers) -> int:
    """inspections/models.count_failed_checks as it was written before (a call per value)."""
    if isinstance(answers, dict):
        if answers.get("result") == "fail" and set(answers) <= {"result", "note", "photos"}:
            return 1
        return sum(failed_checks(v) for v in answers.values())
    if isinstance(answers, list):
        return sum(failed_checks(v) for v in answers)
    return 0
