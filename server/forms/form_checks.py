"""A form version's answer checks compiled once (as fastjsonschema does for a JSON Schema):
`checks_of(form)` walks the form's tree a single time and returns a function of the answers,
so that a sync batch no longer walks the tree, looks up item types and finds each expression's
compiled logic again for every record.

It does exactly what `walk_answers` in testing/references.py (the reference, which reads the
tree on every call) does: the same checks, in the same order, with the same errors, computed values and
evidence; tests/forms/test_form_checks.py compares the two on every form with fuzzed answers.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from . import answer_types
from .answer_types import AnswerError
from .definition import CHECK_RESULTS
from .loader import FormVersion
from .logic import compiled, truthy
from .validation import AnswerCheck, _normalise_computed, _same_computed, fmt_number, is_empty

Checks = Callable[[Mapping], AnswerCheck]

# `is_empty` for the values a JSON reading makes: None, "", [] and {} (not 0, False or 0.0).
_EMPTY_KINDS = frozenset((str, list, dict))
_HIDDEN = "此项在当前情况下不显示，不应填写，请删除该答案。"
_REQUIRED = "此项必填。"

# Compiled checks by the identity of the form version (kept alive by the entry, so that its id
# cannot be reused); loaded form versions live as long as the process.
_COMPILED: dict[int, tuple[FormVersion, Checks]] = {}
_COMPILED_LIMIT = 1_000


def checks_of(form: FormVersion) -> Checks:
    """The compiled checks of `form`, made once per form version object."""
    entry = _COMPILED.get(id(form))
    if entry is not None and entry[0] is form:
        return entry[1]
    function = _compile_form(form)
    if len(_COMPILED) >= _COMPILED_LIMIT:
        _COMPILED.clear()
    _COMPILED[id(form)] = (form, function)
    return function


def _projector(items: list[dict]):
    """testing/references.py's `logic_data` for these items, compiled."""
    plan = []
    for item in items:
        if item["type"] == "note":
            continue
        if item["type"] == "check":
            plan.append((item["id"], _project_check))
        elif item["type"] == "repeat":
            plan.append((item["id"], _project_rows(_projector(item["items"]))))
        else:
            plan.append((item["id"], None))

    def project(answers: Mapping) -> dict:
        data = {}
        for item_id, projection in plan:
            value = answers.get(item_id)
            if value is not None and (value or type(value) not in _EMPTY_KINDS):  # not is_empty(value)
                if projection is not None:
                    value = projection(value)
                    if is_empty(value):
                        continue
                data[item_id] = value
        return data
    return project


def _project_check(value):
    return value.get("result") if isinstance(value, dict) else value


def _project_rows(project_row):
    def project(value):
        if not isinstance(value, list):
            return value
        return [project_row(row) if isinstance(row, Mapping) else row for row in value]
    return project


def _compile_form(form: FormVersion) -> Checks:
    """The form's checks as the source of one Python function, written once and run for every
    record (as fastjsonschema does): every top-level item's steps of `_check_item` inline, its
    id, type and rules settled as constants, so that a record costs no call per item. Repeat
    items, the answers' types beyond their common valid shape, and the form's expressions are
    called as compiled closures (`_rows_checker`, `_value_checker`, logic.compiled)."""
    source = _Source()
    items = form.items
    answerable = frozenset(key for key, ref in items.items() if ref.repeat is None and ref.item["type"] != "note")
    emit = source.line
    emit(0, "def check_answers(answers):")
    emit(1, "check = AnswerCheck()")
    emit(1, "if not isinstance(answers, Mapping):")
    emit(2, "check.errors.append(AnswerError('', 'wrong_type', '答案应为以检查项编号为键的对象。'))")
    emit(2, "return check")
    emit(1, "errors, evidence, computed, get = check.errors, check.evidence, check.computed, answers.get")
    emit(1, f"answerable = {source.constant(answerable)}")
    emit(1, "for key in answers:")
    emit(2, "if key not in answerable:")
    emit(3, f"{source.constant(_unknown_key)}(errors, {source.constant(items)}, key)")
    project = _projector([item for section in form.definition["sections"] for item in section["items"]])
    emit(1, f"data = {source.constant(project)}(answers)")
    for item_id, inputs in form.computed:
        compute = source.constant(compiled(items[item_id].item["compute"]))
        ready = " and ".join(f"{name!r} in data" for name in inputs) or "True"
        emit(1, f"value = _normalise_computed({compute}(data)) if {ready} else None")
        emit(1, f"computed[{item_id!r}] = value")
        emit(1, "if value is not None:")
        emit(2, f"data[{item_id!r}] = value")
        emit(1, f"sent = get({item_id!r})")
        emit(1, "if sent is not None and not _same_computed(sent, value):")
        emit(2, f"errors.append(_computed_mismatch({item_id!r}, value))")
    for section in form.definition["sections"]:
        if "show_if" in section:
            emit(1, f"section_visible = truthy({source.constant(compiled(section['show_if']))}(data))")
        else:
            emit(1, "section_visible = True")
        for item in section["items"]:
            if item["type"] not in ("computed", "note"):
                _emit_item(source, item)
    emit(1, "return check")
    namespace = {"AnswerCheck": AnswerCheck, "AnswerError": AnswerError, "Mapping": Mapping,
                 "truthy": truthy, "_normalise_computed": _normalise_computed,
                 "_same_computed": _same_computed, "_computed_mismatch": _computed_mismatch,
                 "_NOTHING": _NOTHING, "_EMPTY_KINDS": _EMPTY_KINDS, "_HIDDEN": _HIDDEN,
                 "_REQUIRED": _REQUIRED, **source.constants}
    exec(compile(source.text(), f"<form checks of {form.id}@{form.version}>", "exec"), namespace)  # noqa: S102
    return namespace["check_answers"]


class _Source:
    """The lines of a generated function and the objects its text names (`_k0`, `_k1` …)."""

    def __init__(self):
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def constant(self, value) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"



def _emit_item(source: _Source, item: dict) -> None:
    """`_check_item` of testing/references.py for a top-level item, as lines of check_answers:
    `value` is its answer, `section_visible` its section's visibility, the path its id."""
    emit, path = source.line, repr(item["id"])
    emit(1, f"value = get({path})")
    visible = "section_visible"
    if "show_if" in item:
        emit(1, f"visible = section_visible and truthy({source.constant(compiled(item['show_if']))}(data))")
        visible = "visible"
    # Missing and required: when visible, and (unless always required) its condition holds,
    # evaluated whenever the item is visible, present or not, as the reference does.
    missing_is_error = visible if item["required"] else None
    if missing_is_error is None and "required_if" in item:
        emit(1, f"required = {visible} and truthy({source.constant(compiled(item['required_if']))}(data))")
        missing_is_error = "required"
    emit(1, "if value is None or (not value and type(value) in _EMPTY_KINDS):")
    if missing_is_error is None:
        emit(2, "pass")
    else:
        emit(2, f"if {missing_is_error}:")
        emit(3, f"errors.append(AnswerError({path}, 'required', _REQUIRED))")
    emit(1, f"elif not {visible}:")
    emit(2, f"errors.append(AnswerError({path}, 'hidden', _HIDDEN))")
    emit(1, "else:")
    if item["type"] == "repeat":
        emit(2, f"{source.constant(_rows_checker(item))}(check, value, data, {path})")
        return
    emit(2, f"found = {source.constant(_value_checker(item))}(value, {path})")
    emit(2, "if found is not _NOTHING:")
    emit(3, "if found[0]:")
    emit(4, "errors.extend(found[0])")
    emit(3, "if found[1]:")
    emit(4, "evidence.extend(found[1])")
    if item["type"] == "check" and "result_rules" in item:
        emit(2, f"{source.constant(_rules_checker(item))}(errors, value, data, {path})")


def _unknown_key(errors: list, items: dict, key) -> None:
    """The error of an answer whose key is not an answerable top-level item."""
    ref = items.get(key)
    if ref is None or ref.repeat is not None:
        errors.append(AnswerError(str(key), "unknown_item", "表单中没有此检查项，请更新表单后重试。"))
    elif ref.item["type"] == "note":
        errors.append(AnswerError(key, "not_answerable", "此项为说明文字，不需要填写。"))


def _computed_mismatch(item_id: str, value) -> AnswerError:
    shown = "空" if value is None else fmt_number(value)
    return AnswerError(item_id, "computed_mismatch",
                       f"计算结果与服务器不一致（服务器计算为 {shown}），请更新表单后重新计算。")


def _rules_checker(item: dict):
    """A check's result rules: the reasons of those that apply and refuse the result sent."""
    rules = [(rule["results"], compiled(rule["when"]), rule["reason"]) for rule in item["result_rules"] or ()]

    def check_rules(errors: list, value, data: dict, path: str) -> None:
        if isinstance(value, Mapping) and isinstance(value.get("result"), str) and value["result"] in CHECK_RESULTS:
            result = value.get("result")
            errors.extend(AnswerError(path, "result_contradicts", reason) for results, when, reason in rules
                          if result not in results and truthy(when(data)))
    return check_rules


def _item_checker(item: dict):
    """(item id, check) for `_check_item` (testing/references.py) of this item, or None for an item that is
    never checked (computed, note)."""
    kind = item["type"]
    if kind in ("computed", "note"):
        return None
    show_if = compiled(item["show_if"]) if "show_if" in item else None
    always_required = item["required"]
    required_if = compiled(item["required_if"]) if "required_if" in item else None
    rows = _rows_checker(item) if kind == "repeat" else None
    check_value = _value_checker(item)
    rules = _rules_checker(item) if kind == "check" and "result_rules" in item else None

    def check_item(check: AnswerCheck, value, data: dict, path: str, visible: bool) -> None:
        if visible and show_if is not None:
            visible = truthy(show_if(data))
        present = not is_empty(value)
        if not visible:
            if present:
                check.errors.append(AnswerError(path, "hidden", _HIDDEN))
            return
        required = always_required or (required_if is not None and truthy(required_if(data)))
        if not present:
            if required:
                check.errors.append(AnswerError(path, "required", _REQUIRED))
            return
        if rows is not None:
            rows(check, value, data, path)
            return
        errors, evidence = check_value(value, path)
        if errors:
            check.errors.extend(errors)
        if evidence:
            check.evidence.extend(evidence)
        if rules is not None:
            rules(check.errors, value, data, path)
    return item["id"], check_item


_NOTHING: tuple = ((), ())  # no errors, no evidence
_EXACT = 2 ** 53


def _value_checker(item: dict):
    """`answer_types.check_value` for this item, its type's dispatch and constants settled once:
    an answer of the common valid shape (text within its length, a number within its range, an
    offered option, a passed or inapplicable check without photos) answers "nothing wrong" at
    once; anything else goes through `check_value` itself, so that errors and evidence are its."""
    kind = item["type"]
    full = answer_types.check_value

    def slow(value, path):
        return full(item, value, path)
    if kind == "text":
        limit = item.get("max_length", answer_types.DEFAULT_MAX_TEXT)
        return lambda value, path: _NOTHING if type(value) is str and len(value) <= limit else slow(value, path)
    if kind in ("integer", "decimal"):
        # int only (a float needs check_value's finiteness and integrality tests), and within
        # what a float holds exactly: check_value's float() of a huge integer raises.
        low, high = max(item.get("min", -_EXACT), -_EXACT), min(item.get("max", _EXACT), _EXACT)
        return lambda value, path: _NOTHING if type(value) is int and low <= value <= high else slow(value, path)
    if kind == "select":
        offered = frozenset(o["value"] for o in item["options"])
        return lambda value, path: _NOTHING if type(value) is str and value in offered else slow(value, path)
    if kind == "check":
        # A tuple, not a set: the result sent may be unhashable (a list), which is merely wrong.
        quiet = tuple(r for r in CHECK_RESULTS if r != "fail" and (r != "na" or item.get("allow_na", True)))
        shape = frozenset(("result", "note", "photos"))

        def check_result(value, path):
            if type(value) is dict and value.get("result") in quiet and value.keys() <= shape \
                    and value.get("photos") in (None, []) and type(value.get("note", "")) in (str, type(None)):
                return _NOTHING
            return slow(value, path)
        return check_result
    return slow


def _rows_checker(item: dict):
    """`_check_rows` (testing/references.py) for a repeat item."""
    children = item["items"]
    columns = {child["id"] for child in children}
    checkers = [c for c in (_item_checker(child) for child in children) if c is not None]
    project = _projector(children)
    min_rows, max_rows = item.get("min_rows", 0), item.get("max_rows", 100)

    def check_rows(check: AnswerCheck, rows, data: dict, path: str) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
            check.errors.append(AnswerError(path, "wrong_type", "应为多行记录（对象列表）。"))
            return
        if len(rows) < min_rows:
            check.errors.append(AnswerError(path, "too_few", f"至少需要填写 {item['min_rows']} 行。"))
        if len(rows) > max_rows:
            check.errors.append(AnswerError(path, "too_many", f"最多填写 {max_rows} 行。"))
        for index, row in enumerate(rows):
            row_path = f"{path}[{index}]"
            for key in row:
                if key not in columns:
                    check.errors.append(AnswerError(f"{row_path}.{key}", "unknown_item",
                                                    "表单中没有此检查项，请更新表单后重试。"))
            row_data = {**data, **project(row)}
            for child_id, check_child in checkers:
                check_child(check, row.get(child_id), row_data, f"{row_path}.{child_id}", True)
    return check_rows
