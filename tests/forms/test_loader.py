"""Loading forms/: the shipped checklists, and every kind of mistake in a file stopping the start."""
import copy
from pathlib import Path

import pytest
import yaml

from server import create_app
from server.config import ROOT_DIR
from server.forms.loader import FormDefinitionError, load_forms_dir, read_form_file

SHIPPED = sorted((ROOT_DIR / "forms").glob("*.yaml"))
BASIS = {"law": "《中华人民共和国公路法》", "article": "第四十四条",
         "excerpt": "任何单位和个人不得擅自占用、挖掘公路。"}


def test_the_six_checklists_ship():
    titles = {f.title for f in load_forms_dir(ROOT_DIR / "forms").values()}
    assert titles == {"道路旅客运输车辆检查", "危险货物道路运输车辆检查", "公路超限超载检查",
                      "船舶污染防治检查", "公路路政巡查", "出租汽车/网约车检查"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_form_loads_with_common_facts_and_legal_basis_on_every_failable_item(path):
    form = read_form_file(path, ROOT_DIR / "forms")
    for common in ("identity_shown", "rights_informed", "subject_statement", "subject_signature",
                   "officer1_signature", "officer2_signature", "scene_photos"):
        assert common in form.items
    failable = [ref.item for ref in form.items.values() if ref.item["type"] == "check"]
    assert failable
    for item in failable:
        violation = item["violation"]
        for basis in (violation["breached"], violation["penalty"]):
            assert basis["law"].startswith("《") and basis["article"].startswith("第") and basis["excerpt"]


def good_form() -> dict:
    return {
        "id": "demo", "version": 1, "title": "示例检查", "domain": "road_administration",
        "subject_kind": "site", "legal_basis": [BASIS],
        "sections": [{"id": "main", "title": "检查", "items": [
            {"id": "road", "type": "text", "label": "路线", "required": True},
            {"id": "occupied", "type": "check", "label": "无占用",
             "violation": {"code": "demo.occupation", "title": "擅自占用公路", "breached": BASIS, "penalty": BASIS}},
            {"id": "area", "type": "decimal", "label": "面积", "unit": "平方米", "min": 0,
             "show_if": {"==": [{"var": "occupied"}, "fail"]}},
            {"id": "double_area", "type": "computed", "label": "双倍", "compute": {"*": [{"var": "area"}, 2]}},
        ]}],
    }


def write(folder: Path, document: dict, name: str = "demo-v1.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def first_items(doc):
    return doc["sections"][0]["items"]


def _dup(doc):
    first_items(doc).append({"id": "road", "type": "text", "label": "重复"})


def _unknown_type(doc):
    first_items(doc)[0]["type"] = "barcode"


def _unknown_name(doc):
    first_items(doc)[2]["show_if"] = {"==": [{"var": "occupation"}, "fail"]}


def _cycle(doc):
    first_items(doc)[3]["compute"] = {"+": [{"var": "triple_area"}, 1]}
    first_items(doc).append({"id": "triple_area", "type": "computed", "label": "三倍",
                             "compute": {"*": [{"var": "double_area"}, 3]}})


def _option_not_offered(doc):
    first_items(doc)[2]["show_if"] = {"==": [{"var": "occupied"}, "failed"]}


def _field_of_another_type(doc):
    first_items(doc)[0]["options"] = [{"value": "a", "label": "甲"}]


def _check_without_violation(doc):
    del first_items(doc)[1]["violation"]


def _penalty_without_article(doc):
    first_items(doc)[1]["violation"]["penalty"] = {"law": "《公路法》", "excerpt": "……"}


def _row_item_from_outside(doc):
    first_items(doc).append({"id": "rows", "type": "repeat", "label": "行", "items": [
        {"id": "mass", "type": "decimal", "label": "质量"}]})
    first_items(doc)[0]["required_if"] = {">": [{"var": "mass"}, 1]}


def _unknown_operator(doc):
    first_items(doc)[2]["show_if"] = {"regex": [{"var": "road"}, "G.*"]}


def _rule(when, results=("fail",), **extra):
    return {"when": when, "results": list(results), "reason": "面积大于 0，应判定为“不符合”。", **extra}


def _rule_unknown_name(doc):
    first_items(doc)[1]["result_rules"] = [_rule({">": [{"var": "aera"}, 0]})]


def _rule_on_itself(doc):
    first_items(doc)[1]["result_rules"] = [_rule({"==": [{"var": "occupied"}, "pass"]})]


def _rule_not_offered_result(doc):
    first_items(doc)[1]["allow_na"] = False
    first_items(doc)[1]["result_rules"] = [_rule({">": [{"var": "road"}, 0]}, ("pass", "na"))]


def _rule_unknown_result(doc):
    first_items(doc)[1]["result_rules"] = [_rule({">": [{"var": "road"}, 0]}, ("ok",))]


def _rule_without_reason(doc):
    first_items(doc)[1]["result_rules"] = [{"when": {">": [{"var": "road"}, 0]}, "results": ["fail"]}]


def _rule_on_a_text_item(doc):
    first_items(doc)[0]["result_rules"] = [_rule({">": [{"var": "area"}, 0]})]


@pytest.mark.parametrize("mutate, item, problem", [
    (_rule_unknown_name, "occupied", "result_rules[0].when: names unknown item 'aera'"),
    (_rule_on_itself, "occupied", "result_rules[0].when: refers to its own item"),
    (_rule_not_offered_result, "occupied", "result_rules.0.results: na is not offered"),
    (_rule_unknown_result, "occupied", "result_rules.0.results.0: Must be one of"),
    (_rule_without_reason, "occupied", "result_rules.0.reason: Missing data"),
    (_rule_on_a_text_item, "road", "result_rules: not allowed on a text item"),
    (_dup, "road", "duplicate item id"),
    (_unknown_type, "road", "type: Must be one of"),
    (_unknown_name, "area", "names unknown item 'occupation'"),
    (_cycle, "double_area", "cycle among computed items: double_area -> triple_area -> double_area"),
    (_option_not_offered, "area", "'failed', which is not one of its options"),
    (_field_of_another_type, "road", "options: not allowed on a text item"),
    (_check_without_violation, "occupied", "violation: a check item needs violation"),
    (_penalty_without_article, "occupied", "violation.penalty.article: Missing data"),
    (_row_item_from_outside, "road", "names 'mass' inside repeat 'rows'"),
    (_unknown_operator, "area", "unknown or non-portable JSON Logic operator 'regex'"),
])
def test_a_mistake_stops_the_start_naming_file_item_and_problem(tmp_path, app_config, mutate, item, problem):
    document = good_form()
    write(tmp_path, document, "demo-v1.yaml")  # the good one loads
    load_forms_dir(tmp_path)
    broken = copy.deepcopy(document)
    mutate(broken)
    write(tmp_path, broken, "demo-v1.yaml")
    with pytest.raises(FormDefinitionError) as caught:
        create_app({**app_config, "FORMS_DIR": tmp_path})
    message = str(caught.value)
    assert message.startswith(f"demo-v1.yaml: item '{item}': "), message
    assert problem in message, message


def test_file_name_must_match_id_and_version(tmp_path):
    write(tmp_path, good_form(), "demo-v2.yaml")
    with pytest.raises(FormDefinitionError, match="demo-v2.yaml: file name must be demo-v1.yaml"):
        load_forms_dir(tmp_path)


def test_include_must_name_a_fragment_inside_forms(tmp_path):
    document = good_form()
    document["sections"].append({"include": "../secrets.yaml"})
    write(tmp_path, document)
    with pytest.raises(FormDefinitionError, match="include '../secrets.yaml': no such file"):
        load_forms_dir(tmp_path)


def test_include_expands_a_shared_fragment_and_is_hashed_expanded(tmp_path):
    (tmp_path / "_common").mkdir()
    fragment = {"sections": [{"id": "closing", "title": "签名", "items": [
        {"id": "sig", "type": "signature", "label": "当事人签名", "required": True}]}]}
    write(tmp_path / "_common", fragment, "closing-v1.yaml")
    document = good_form()
    document["sections"].append({"include": "_common/closing-v1.yaml"})
    write(tmp_path, document)
    form = load_forms_dir(tmp_path)[("demo", 1)]
    assert form.items["sig"].section == "closing"
    before = form.content_hash
    fragment["sections"][0]["items"][0]["label"] = "签名"
    write(tmp_path / "_common", fragment, "closing-v1.yaml")
    assert load_forms_dir(tmp_path)[("demo", 1)].content_hash != before


def test_comments_and_layout_do_not_change_the_hash(tmp_path):
    path = write(tmp_path, good_form())
    before = load_forms_dir(tmp_path)[("demo", 1)].content_hash
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_forms_dir(tmp_path)[("demo", 1)].content_hash == before
