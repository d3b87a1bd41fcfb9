"""The checklist (oversight/review-standard-v1.yaml) loads, and a file's score and grade are
exactly what the rule says: 100 × points met ÷ points that apply, one decimal half up; a 否决项
not met is 不合格 whatever the score."""
from __future__ import annotations

import pytest

from server.errors import ApiError
from server.evalreview.standard import SECTIONS, check_answers, load_standard, score_answers
from tests.evalreview.history import all_met


def test_the_checklist_has_every_section_and_100_points():
    standard = load_standard()
    assert [s["id"] for s in standard["sections"]] == list(SECTIONS)
    assert sum(i["points"] for s in standard["sections"] for i in s["items"]) == 100
    assert all(i["defect"] for s in standard["sections"] for i in s["items"])


@pytest.mark.parametrize("changes, score, grade, defects", [
    ({}, "100.0", "优秀", {}),
    # 5 points not met, 5 not applicable: 100 × 90 / 95 = 94.736… → 94.7
    ({"evidence_complete": "not_met", "procedure_opening": "na"}, "94.7", "优秀", {"evidence": 1}),
    # a 否决项 (10 points) not met: 90.0 would be 优秀, the veto makes it 不合格
    ({"facts_clear": "not_met"}, "90.0", "不合格", {"facts": 1}),
    # 7 + 5 + 4 + 4 + 3 + 4 = 27 points not met, none a veto: 73.0 → 合格
    ({"legal_basis_penalty": "not_met", "party_identified": "not_met", "documents_complete": "not_met",
      "discretion_consistent": "not_met", "procedure_service": "not_met", "documents_accurate": "not_met"},
     "73.0", "合格", {"legal_basis": 1, "facts": 1, "documents": 2, "discretion": 1, "procedure": 1}),
    # 20 points not applicable, 7 of the remaining 80 not met: 100 × 73 / 80 = 91.25 → 91.3 (half up)
    ({"procedure_opening": "na", "procedure_statement": "na", "discretion_benchmark": "na",
      "discretion_consistent": "na", "legal_basis_penalty": "not_met"}, "91.3", "优秀", {"legal_basis": 1}),
])
def test_a_file_is_scored_exactly(changes, score, grade, defects):
    standard = load_standard()
    answers = all_met(standard)
    for item, result in changes.items():
        answers[item] = {"result": result, "note": "问题" if result == "not_met" else None}
    check_answers(standard, answers)
    result = score_answers(standard, answers)
    assert (result["score"], result["grade"]) == (score, grade)
    assert {k: v for k, v in result["defects"].items() if v} == defects


@pytest.mark.parametrize("change, code", [
    (("facts_clear", {"result": "na", "note": None}), "evalreview.not_applicable_refused"),
    (("facts_clear", {"result": "not_met", "note": " "}), "evalreview.defect_note_required"),
    (("unknown_item", {"result": "met", "note": None}), "evalreview.answers_incomplete"),
])
def test_answers_that_do_not_fit_the_checklist_are_refused(change, code):
    standard = load_standard()
    answers = all_met(standard)
    answers[change[0]] = change[1]
    with pytest.raises(ApiError) as refused:
        check_answers(standard, answers)
    assert refused.value.code == code
