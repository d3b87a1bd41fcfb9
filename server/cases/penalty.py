"""The discretion benchmark (裁量基准) applied to a case: facts from the inspection, the proposal
checked by the calculator (server/discretion/). A penalty outside the benchmark needs a written
reason and makes the case a major decision (法制审核), as the issue and 第五十八条 ask."""
from __future__ import annotations

from ..discretion import calculator
from ..discretion import service as discretion
from ..errors import ApiError
from ..inspections.models import Inspection


def inspection_facts(inspection: Inspection, violation_code: str, given: dict | None) -> dict:
    """The benchmark's facts: those a form computes or answers (`form_item: "<form>:<item>"`),
    taken from the inspection, then the circumstances the officer states (`given`)."""
    found = discretion.find_violation(violation_code)
    facts = {}
    if found is not None:
        benchmark, violation = found
        for fact in benchmark.definition["facts"] + violation["facts"]:
            form_id, _, item = (fact.get("form_item") or "").partition(":")
            if form_id == inspection.form_id and item:
                value = inspection.computed.get(item, inspection.answers.get(item))
                if value is not None:
                    facts[fact["id"]] = value
    return {**facts, **(given or {})}


def proposal(fine_fen: int) -> dict:
    """The calculator's form of a proposal: a warning when no fine, else a fine in whole yuan."""
    if fine_fen == 0:
        return {"types": ["warning"], "amount": None}
    if fine_fen % 100:
        raise ApiError("case.invalid", errors={"fine_fen": ["罚款以元为单位。"]})
    return {"types": ["fine"], "amount": fine_fen // 100}


def check_case_penalty(inspection: Inspection, violation_code: str, fine_fen: int, party_kind: str,
                       given_facts: dict | None, reason: str | None) -> dict:
    """The calculator's verdict on the proposed penalty, as the step records it; refuses a
    penalty outside the statutory range, and one outside the benchmark without a reason."""
    facts = inspection_facts(inspection, violation_code, given_facts)
    checked = calculator.check_penalty(violation_code, facts, proposal(fine_fen), party_kind)
    if not checked["lawful"]:
        raise ApiError("case.penalty_unlawful", checked["explanation"])
    if checked["needs_reason"] and not (reason or "").strip():
        raise ApiError("case.reason_required", checked["explanation"],
                       errors={"reason_outside_benchmark": ["请书面说明超出裁量基准的理由。"]})
    calc = checked["calculation"]
    return {"within_benchmark": checked["within"], "explanation": checked["explanation"],
            "benchmark": calc["benchmark"], "level": calc["level"],
            "benchmark_penalty": calc["penalty"], "reasoning": calc["reasoning"], "facts": facts,
            "reason_outside_benchmark": reason if not checked["within"] else None}
