"""validate_answers: every item type, condition and computation, and every kind of bad answer."""
import uuid

import pytest

from server.config import ROOT_DIR
from server.forms.loader import build_form, read_form_file
from server.forms.validation import validate_answers

BASIS = {"law": "《中华人民共和国公路法》", "article": "第四十六条", "excerpt": "不得堆放物品。"}
OPTIONS = [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def form():
    items = [
        {"id": "check1", "type": "check", "label": "检查", "required": True,
         "violation": {"code": "t.v", "title": "违法", "breached": BASIS, "penalty": BASIS}},
        {"id": "strict_check", "type": "check", "label": "不可不适用", "allow_na": False,
         "violation": {"code": "t.w", "title": "违法", "breached": BASIS, "penalty": BASIS}},
        {"id": "text1", "type": "text", "label": "文本", "max_length": 5},
        {"id": "count", "type": "integer", "label": "人数", "min": 0, "max": 50, "unit": "人"},
        {"id": "mass", "type": "decimal", "label": "质量", "min": 0, "max": 100000, "unit": "千克"},
        {"id": "pick", "type": "select", "label": "单选", "options": OPTIONS},
        {"id": "picks", "type": "multiselect", "label": "多选", "options": OPTIONS},
        {"id": "day", "type": "date", "label": "日期"},
        {"id": "moment", "type": "datetime", "label": "时间"},
        {"id": "where", "type": "location", "label": "位置"},
        {"id": "pics", "type": "photo", "label": "照片", "min_count": 1, "max_count": 2},
        {"id": "sound", "type": "audio", "label": "录音"},
        {"id": "clip", "type": "video", "label": "录像"},
        {"id": "sign", "type": "signature", "label": "签名"},
        {"id": "info", "type": "note", "label": "说明文字"},
        {"id": "double_mass", "type": "computed", "label": "两倍", "compute": {"*": [{"var": "mass"}, 2]}},
        {"id": "quad_mass", "type": "computed", "label": "四倍", "compute": {"*": [{"var": "double_mass"}, 2]}},
        {"id": "shown_if_b", "type": "text", "label": "选乙时显示", "required": True,
         "show_if": {"==": [{"var": "pick"}, "b"]}},
        {"id": "needed_if_heavy", "type": "text", "label": "超重时必填",
         "required_if": {">": [{"var": "double_mass"}, 1000]}},
        {"id": "rows", "type": "repeat", "label": "行", "min_rows": 1, "max_rows": 3, "items": [
            {"id": "row_mass", "type": "decimal", "label": "轴荷", "required": True, "min": 0},
            {"id": "row_kind", "type": "select", "label": "轴型", "options": OPTIONS},
            {"id": "row_note", "type": "text", "label": "乙型说明", "required": True,
             "show_if": {"==": [{"var": "row_kind"}, "b"]}},
        ]},
        {"id": "row_total", "type": "computed", "label": "合计", "compute":
            {"reduce": [{"var": "rows"}, {"+": [{"var": "accumulator"}, {"var": "current.row_mass"}]}, 0]}},
    ]
    sections = [{"id": "main", "title": "主要", "items": items},
                {"id": "extra", "title": "多选甲时显示", "show_if": {"in": ["a", {"var": "picks"}]},
                 "items": [{"id": "extra_text", "type": "text", "label": "附加", "required": True}]}]
    return build_form({"id": "kitchen", "version": 1, "title": "全部类型", "domain": "overload",
                       "subject_kind": "vehicle", "legal_basis": [BASIS], "sections": sections},
                      "kitchen-v1.yaml")


def valid_answers():
    return {"check1": {"result": "pass"}, "text1": "正常", "count": 3, "mass": 400.5, "pick": "a",
            "picks": ["b"], "day": "2024-05-01", "moment": "2024-05-01T09:30:00+08:00",
            "where": {"lat": 30.49, "lon": 120.93, "accuracy": 8.5}, "pics": [new_id()],
            "sound": [new_id()], "clip": [new_id()], "sign": new_id(),
            "rows": [{"row_mass": 7000}, {"row_mass": 6000.5, "row_kind": "b", "row_note": "双胎"}]}


def codes(check):
    return {(e.item, e.code) for e in check.errors}


def test_answers_that_fit_pass_with_computed_values_and_evidence(form):
    answers = valid_answers()
    check = validate_answers(form, answers)
    assert check.ok, check.errors
    assert check.computed == {"double_mass": 801.0, "quad_mass": 1602.0, "row_total": 13000.5}
    assert {(e.item, e.kind) for e in check.evidence} == {
        ("pics", "photo"), ("sound", "audio"), ("clip", "video"), ("sign", "signature")}
    assert answers["pics"][0] in {e.uuid for e in check.evidence}


def test_empty_answers_need_only_the_required(form):
    check = validate_answers(form, {})
    assert codes(check) == {("check1", "required")}
    assert check.computed == {"double_mass": None, "quad_mass": None, "row_total": None}
    assert check.errors[0].message == "此项必填。"


@pytest.mark.parametrize("item, value, code", [
    ("check1", "pass", "wrong_type"),
    ("check1", {"result": "ok"}, "not_offered"),
    ("check1", {"result": "pass", "extra": 1}, "wrong_type"),
    ("strict_check", {"result": "na"}, "not_offered"),
    ("text1", 12, "wrong_type"),
    ("text1", "太长的一段文字", "too_long"),
    ("count", 2.5, "wrong_type"),
    ("count", True, "wrong_type"),
    ("count", 51, "out_of_range"),
    ("mass", "600", "wrong_type"),
    ("mass", -1, "out_of_range"),
    ("pick", "c", "not_offered"),
    ("picks", ["a", "a"], "wrong_type"),
    ("picks", ["a", "z"], "not_offered"),
    ("day", "2024-02-30", "wrong_type"),
    ("day", "01/05/2024", "wrong_type"),
    ("moment", "2024-05-01T09:30:00", "wrong_type"),
    ("where", {"lat": 30.4, "lon": 120.9}, "wrong_type"),
    ("where", {"lat": 95, "lon": 120.9, "accuracy": 5}, "out_of_range"),
    ("pics", ["not-a-uuid"], "wrong_type"),
    ("pics", [new_id(), new_id(), new_id()], "too_many"),
    ("sign", [new_id()], "wrong_type"),
    ("info", "答案", "not_answerable"),
    ("nonexistent", 1, "unknown_item"),
    ("row_mass", 1, "unknown_item"),
])
def test_a_bad_answer_is_named_with_its_item_and_code(form, item, value, code):
    answers = {**valid_answers(), item: value}
    check = validate_answers(form, answers)
    assert (item, code) in codes(check), check.errors
    assert all(e.message and not e.message.isascii() for e in check.errors)  # zh-CN for the officer


def test_failed_check_needs_a_photo_and_a_note(form):
    fail = {"result": "fail"}
    assert ("check1", "evidence_required") in codes(validate_answers(form, {**valid_answers(), "check1": fail}))
    with_photo = {"result": "fail", "photos": [new_id()]}
    assert ("check1", "evidence_required") in codes(validate_answers(form, {**valid_answers(), "check1": with_photo}))
    complete = {"result": "fail", "photos": [new_id()], "note": "占道堆放砂石约 20 平方米"}
    check = validate_answers(form, {**valid_answers(), "check1": complete})
    assert check.ok
    assert ("check1.photos", "photo", complete["photos"][0]) in {(e.item, e.kind, e.uuid) for e in check.evidence}


def test_show_if_hides_and_requires_when_shown(form):
    answers = {**valid_answers(), "shown_if_b": "答了"}
    assert ("shown_if_b", "hidden") in codes(validate_answers(form, answers))
    answers = {**valid_answers(), "pick": "b"}
    assert ("shown_if_b", "required") in codes(validate_answers(form, answers))
    answers["shown_if_b"] = "好"
    assert validate_answers(form, answers).ok


def test_required_if_follows_a_computed_value(form):
    assert ("needed_if_heavy", "required") in codes(validate_answers(form, {**valid_answers(), "mass": 501}))
    assert validate_answers(form, {**valid_answers(), "mass": 499}).ok


def test_section_show_if(form):
    answers = {**valid_answers(), "picks": ["a"]}
    assert ("extra_text", "required") in codes(validate_answers(form, answers))
    assert ("extra_text", "hidden") in codes(validate_answers(form, {**valid_answers(), "extra_text": "x"}))


def test_repeat_rows_are_checked_row_by_row(form):
    answers = valid_answers()
    answers["rows"] = [{"row_mass": -5}, {"row_kind": "b"}, {"row_mass": 1, "bogus": 2}]
    found = codes(validate_answers(form, answers))
    assert {("rows[0].row_mass", "out_of_range"), ("rows[1].row_mass", "required"),
            ("rows[1].row_note", "required"), ("rows[2].bogus", "unknown_item")} <= found
    answers["rows"] = [{"row_mass": 1}] * 4
    assert ("rows", "too_many") in codes(validate_answers(form, answers))
    answers["rows"] = {"row_mass": 1}
    assert ("rows", "wrong_type") in codes(validate_answers(form, answers))


def test_computed_values_sent_by_the_client_must_match(form):
    answers = {**valid_answers(), "double_mass": 801, "quad_mass": 1602.0000000001}
    assert validate_answers(form, answers).ok
    answers["double_mass"] = 800
    check = validate_answers(form, answers)
    assert codes(check) == {("double_mass", "computed_mismatch")}
    assert "801" in check.errors[0].message


def test_answers_that_are_not_a_mapping(form):
    assert codes(validate_answers(form, ["a"])) == {("", "wrong_type")}


def test_errors_group_by_item_for_a_problem_answer(form):
    check = validate_answers(form, {**valid_answers(), "count": 99, "pick": "z"})
    assert check.errors_by_item() == {"count": ["应不大于 50人。"], "pick": ["“z”不是此项的选项。"]}


# --- the shipped overload form's computations -----------------------------------------------------

@pytest.fixture(scope="module")
def overload():
    return read_form_file(ROOT_DIR / "forms" / "overload-v1.yaml", ROOT_DIR / "forms")


@pytest.mark.parametrize("vehicle_type, measured, limit, excess, rate", [
    ("truck_2", 18000, 18000, 0, 0),
    ("truck_3", 30000, 25000, 5000, 20),
    ("combination_6", 55000, 49000, 6000, 6000 / 49000 * 100),
    ("combination_6_single_drive", 46000.5, 46000, 0.5, 0.5 / 46000 * 100),
])
def test_overload_excess_mass_and_rate(overload, vehicle_type, measured, limit, excess, rate):
    check = validate_answers(overload, {"vehicle_type": vehicle_type, "measured_mass": measured,
                                        "axles": [{"axle_group": "tandem", "axle_mass": 9000}] * 3})
    assert check.computed["legal_limit"] == limit
    assert check.computed["excess_mass"] == pytest.approx(excess)
    assert check.computed["excess_rate"] == pytest.approx(rate)
    assert check.computed["axle_count"] == 3 and check.computed["axle_mass_sum"] == 27000
    disposal_required = ("disposal_method", "required") in codes(check)
    assert disposal_required == (excess > 0)


def test_overload_without_weighing_computes_nothing(overload):
    check = validate_answers(overload, {"vehicle_type": "truck_2"})
    assert check.computed["legal_limit"] == 18000
    assert check.computed["excess_mass"] is None and check.computed["excess_rate"] is None


def test_what_the_sync_service_asks_about_evidence(overload):
    from server.forms import service

    assert service.is_evidence_item(overload, "within_limit") and service.is_evidence_item(overload, "weighing_ticket")
    assert not service.is_evidence_item(overload, "plate") and not service.is_evidence_item(overload, "nope")
    photo, ticket = uuid.uuid4(), uuid.uuid4()
    answers = {"weighing_ticket": [str(ticket)],
               "within_limit": {"result": "fail", "note": "超限 6 吨", "photos": [str(photo)]}}
    assert service.referenced_evidence(overload, answers) == {photo, ticket}
