"""JSON Logic: the shared cases (also run by the PWA with json-logic-js) and the portable subset."""
import json
import math
from pathlib import Path

import pytest

from server.forms.loader import FormDefinitionError, build_form
from server.forms.logic import evaluate, interpret

CASES = json.loads((Path(__file__).parent.parent / "data" / "jsonlogic_cases.json").read_text("utf-8"))["cases"]


def same(got, expected) -> bool:
    numbers = (int, float)
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    if isinstance(got, numbers) and isinstance(expected, numbers):
        return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    return got == expected and type(got) is type(expected)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case_gives_the_json_logic_js_result(case):
    assert same(evaluate(case["logic"], case["data"]), case["expected"])


def test_the_shared_file_covers_the_semantic_differences():
    names = " ".join(c["name"] for c in CASES)
    for topic in ("null and zero", "missing item", "by zero", "dividend's sign", "strict", "empty list"):
        assert topic in names


def _form_with(show_if):
    return {"id": "t", "version": 1, "title": "测试", "domain": "overload", "subject_kind": "vehicle",
            "legal_basis": [{"law": "《公路法》", "article": "第一条", "excerpt": "摘要"}],
            "sections": [{"id": "s", "title": "节", "items": [
                {"id": "a", "type": "integer", "label": "甲"},
                {"id": "b", "type": "text", "label": "乙", "show_if": show_if}]}]}


@pytest.mark.parametrize("logic, problem", [
    ({"substr": [{"var": "a"}, 1]}, "non-portable JSON Logic operator 'substr'"),
    ({"log": 1}, "non-portable JSON Logic operator 'log'"),
    ({"var": {"cat": ["a"]}}, "literal, non-empty string"),
    ({"reduce": [[1], {"+": [{"var": "current"}, 1]}, {"var": "a"}]}, "initial value of reduce must be a literal"),
])
def test_forms_may_use_only_what_both_engines_agree_on(logic, problem):
    with pytest.raises(FormDefinitionError) as caught:
        build_form(_form_with(logic), "t-v1.yaml")
    assert "item 'b'" in str(caught.value) and problem in str(caught.value)


EDGE_EXPRESSIONS = [
    {"if": []}, {"if": [True]}, {"if": [False, 1]}, {"if": [False, 1, True, 2]}, {"if": [0, 1, "", 2, 3]},
    {"?:": [{"var": "a"}, "yes", "no"]}, {"and": []}, {"and": [1, 0, 2]}, {"and": [1, [], 2]},
    {"or": []}, {"or": [0, "", [1]]}, {"or": [0, None]},
    {"map": []}, {"map": [{"var": "list"}]}, {"map": [{"var": "a"}, {"*": [{"var": ""}, 2]}]},
    {"map": [{"var": "list"}, {"*": [{"var": ""}, 2]}]},
    {"filter": [{"var": "list"}]}, {"filter": [{"var": "list"}, {">": [{"var": ""}, 1]}]},
    {"filter": [{"var": "a"}, True]},
    {"reduce": []}, {"reduce": [{"var": "list"}]}, {"reduce": [{"var": "a"}, 1, 7]},
    {"reduce": [{"var": "list"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
    {"all": [[]]}, {"all": [[], True]}, {"all": [{"var": "list"}, {">": [{"var": ""}, 0]}]},
    {"all": [{"var": "a"}, True]}, {"some": [{"var": "list"}]}, {"some": [{"var": "list"}, {"==": [{"var": ""}, 2]}]},
    {"some": [5, True]}, {"none": [{"var": "list"}]}, {"none": [{"var": "list"}, {"==": [{"var": ""}, 9]}]},
    {"none": ["x", True]}, [{"var": "a"}, 1, {"+": [1, 2]}], "text", 3, None, {"a": 1, "b": 2},
    {"missing": ["a", "zz"]}, {"cat": [{"var": "a"}, "-", None, [1, 2]]}, {"var": ["zz", "default"]},
    {"if": [True, 1, {"unknown_op": 1}]},
]


@pytest.mark.parametrize("logic", EDGE_EXPRESSIONS, ids=[json.dumps(e, ensure_ascii=False) for e in EDGE_EXPRESSIONS])
def test_compiled_expressions_give_the_interpreters_result(logic):
    data = {"a": 3, "list": [1, 2, 3]}
    assert same(evaluate(logic, data), interpret(logic, data))
    assert same(evaluate(logic, data), interpret(logic, data))  # the compiled form, reused


def test_an_unknown_operation_fails_when_reached_as_in_the_interpreter():
    logic = {"if": [{"var": "a"}, {"unknown_op": 1}, 0]}
    assert evaluate(logic, {}) == interpret(logic, {}) == 0
    with pytest.raises(ReferenceError):
        evaluate(logic, {"a": True})


# Every kind of JSON value (and the NaN and infinities a computation can make), for the compiled
# shortcuts of logic._with_fast_path: equality with a constant, `in` a list of texts, order of numbers.
VALUES = [None, True, False, 0, 1, -1, 7, 2 ** 60, 0.0, -0.0, 1.0, 2.5, float("nan"), float("inf"),
          float("-inf"), "", " ", "0", "1", "1.0", " 7 ", "abc", "yes", "truck_2", "Infinity",
          [], [1], ["yes"], [1, 2], {}, {"a": 1}]
CONSTANTS = ["yes", "", "1", "truck_2", 0, 1, 7, 1.0, -0.0, 2.5, 2 ** 60, None, True, False, [], ["yes"]]


def _fast_path_expressions():
    for op in ("==", "!=", "===", "!=="):
        for constant in CONSTANTS:
            yield {op: [{"var": "a"}, constant]}
            yield {op: [constant, {"var": "a"}]}
    for haystack in (["yes", "no"], [], ["1", "truck_2", ""], ["yes", 1], "yes no"):
        yield {"in": [{"var": "a"}, haystack]}
    for op in ("<", "<=", ">", ">="):
        yield {op: [{"var": "a"}, {"var": "b"}]}
        yield {op: [{"var": "a"}, 7]}


@pytest.mark.parametrize("logic", list(_fast_path_expressions()), ids=lambda e: json.dumps(e, ensure_ascii=False))
def test_compiled_shortcuts_give_the_interpreters_result_for_every_kind_of_value(logic):
    for a in VALUES:
        for b in VALUES:
            data = {"a": a, "b": b}
            assert same(evaluate(logic, data), interpret(logic, data)), (a, b)
