"""A check's result rules: computed values or other answers that settle its result (forms/README.md).

The shared cases (tests/data/result_rule_cases.json) run here through validate_answers, and in
Chromium through static/pwa/js/logic.js (tests/browser/test_json_logic_cases.py).
"""
import json
import uuid
from pathlib import Path

import pytest

from server.config import ROOT_DIR
from server.forms.definition import CHECK_RESULTS
from server.forms.loader import load_forms_dir
from server.forms.validation import validate_answers

CASES = json.loads((Path(__file__).parent.parent / "data" / "result_rule_cases.json").read_text("utf-8"))["cases"]


@pytest.fixture(scope="module")
def forms():
    return load_forms_dir(ROOT_DIR / "forms")


def contradictions(form, item_id: str, answers: dict, result: str) -> list[str]:
    """The server's result_contradicts messages for `item_id` answered `result` (note and photo given)."""
    answer = {"result": result, "note": "情况说明", "photos": [str(uuid.uuid4())]}
    outcome = validate_answers(form, {**answers, item_id: answer})
    return [e.message for e in outcome.errors if e.item == item_id and e.code == "result_contradicts"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case_allows_the_results_the_rules_settle(forms, case):
    form = forms[(case["form"], case["version"])]
    item = form.items[case["item"]].item
    offered = [r for r in CHECK_RESULTS if r != "na" or item.get("allow_na", True)]
    refused = {r: contradictions(form, case["item"], case["answers"], r) for r in offered}
    assert sorted(r for r in offered if not refused[r]) == case["allowed"]
    reasons = {m for messages in refused.values() for m in messages}
    assert len(reasons) == case["reasons"]
    assert all(reason.endswith("。") and "判定" in reason for reason in reasons)


def test_every_form_has_a_current_version_with_rules_and_every_rule_has_a_shared_case(forms):
    latest = {}
    for form_id, version in forms:
        latest[form_id] = max(latest.get(form_id, 0), version)
    covered = {(c["form"], c["item"]) for c in CASES}
    for form_id, version in latest.items():
        form = forms[(form_id, version)]
        ruled = {i for i, ref in form.items.items() if ref.item.get("result_rules")}
        assert ruled, f"{form_id} v{version} has no result rule"
        assert {(form_id, i) for i in ruled} <= covered


def test_the_overload_record_of_the_issue_is_refused_per_item_in_chinese(forms):
    """20,000 kg on a two-axle truck (limit 18,000 kg) marked 符合 on within_limit."""
    form = forms[("overload", 2)]
    answers = {"vehicle_type": "truck_2", "measured_mass": 20000, "within_limit": {"result": "pass"}}
    outcome = validate_answers(form, answers)
    assert outcome.computed["excess_mass"] == 2000
    assert outcome.errors_by_item()["within_limit"] == ["车货总质量超过限值（超限量大于 0），应判定为“不符合”。"]
    # The same answers on version 1 (published, immutable) are judged as they always were.
    assert "within_limit" not in validate_answers(forms[("overload", 1)], answers).errors_by_item()


def test_a_rule_applies_to_shown_answered_checks_only(forms):
    form = forms[("taxi", 2)]
    facts = {"passenger_on_board": "yes", "agreed_fare": 30}
    hidden = validate_answers(form, {**facts, "taxi_kind": "cruising"}).errors
    assert not [e for e in hidden if e.code == "result_contradicts"]
    unanswered = validate_answers(form, {**facts, "taxi_kind": "unlicensed"}).errors_by_item()
    assert unanswered["no_illegal_operation"] == ["此项必填。"]
