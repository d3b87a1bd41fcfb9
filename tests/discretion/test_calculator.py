"""The penalty calculator on the benchmarks in discretion/: the overload rule's edges, every
benchmark's levels, factors, the no-penalty list, the simple procedure's limits and the check of
a proposed penalty. The shared cases (tests/data/discretion_cases.json) are the ones a browser test
replays with the PWA's logic.js."""
import json
from pathlib import Path

import pytest

from server import create_app
from server.discretion import calculator, service
from server.discretion.calculator import check_penalty, simple_procedure_allowed
from server.errors import ApiError

DATA = json.loads((Path(__file__).parent.parent / "data" / "discretion_cases.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    """An app context over discretion/ (the calculator reads no table)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                      "STORAGE_DIR": tmp_path_factory.mktemp("calc")})
    with app.app_context():
        yield calculator


def test_the_cases_name_the_current_versions(calc):
    assert DATA["benchmarks"] == {b.id: b.version for b in service.current_benchmarks()}


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_shared_case(calc, case):
    result = calc.calculate_penalty(case["violation"], case["facts"], case.get("party_kind"))
    expect = case["expect"]
    p = result["penalty"]
    got = {"level": result["level"], "types": p["types"], "amount": p["amount"], "min": p["min"],
           "max": p["max"], "no_penalty": result["no_penalty"] and result["no_penalty"]["ground"]}
    if "simple_procedure" in expect:
        got["simple_procedure"] = result["simple_procedure"]["allowed"]
    assert got == expect


@pytest.mark.parametrize("excess, level, penalty", [
    (1000, "轻微", (["warning"], None)),
    (1001, "一般", (["fine"], 500)),
    (1500, "一般", (["fine"], 500)),
    (2000, "一般", (["fine"], 1000)),
    (59999, "一般", (["fine"], 29500)),
    (60000, "严重", (["fine"], 30000)),
    (200000, "严重", (["fine"], 30000)),
])
def test_overload_rule_of_article_43(calc, excess, level, penalty):
    """Up to 1,000 kg over: a warning; beyond: 500 yuan per whole 1,000 kg, at most 30,000 yuan."""
    result = calc.calculate_penalty("overload.gross_mass", {"excess_mass": excess})
    assert result["level"] == level
    assert (result["penalty"]["types"], result["penalty"]["amount"]) == penalty


def test_overload_reasoning_shows_the_condition_and_the_arithmetic(calc):
    steps = calc.calculate_penalty("overload.gross_mass", {"excess_mass": 1500}, "citizen")["reasoning"]
    text = "\n".join(steps)
    assert steps[0] == "1. 违法行为：车辆超限运输（车货总质量超过限定标准）（overload.gross_mass）。"
    assert "处罚依据：《公路安全保护条例》第六十四条、《超限运输车辆行驶公路管理规定》第四十三条" in text
    assert "认定的事实：超限量：1500 千克。" in text
    assert "符合“一般”情形的条件：超限量超过 1000 千克" in text
    assert "按整 1000 千克计 1 个（不足 1000 千克的部分不计），500 元 × 1 = 500 元。" in text
    assert "不适用简易程序：对公民当场罚款不得超过 200 元，本案罚款 500 元" in text
    capped = "\n".join(calc.calculate_penalty("overload.gross_mass", {"excess_mass": 75000})["reasoning"])
    assert "500 元 × 75 = 37500 元，最高不得超过 30000 元，罚款 30000 元。" in capped


def test_no_excess_fits_no_level(calc):
    with pytest.raises(ApiError) as refused:
        calc.calculate_penalty("overload.gross_mass", {"excess_mass": 0})
    assert refused.value.code == "discretion.no_level"


@pytest.mark.parametrize("facts, field", [
    ({}, "excess_mass"),
    ({"excess_mass": "1500"}, "excess_mass"),
    ({"excess_mass": -1}, "excess_mass"),
    ({"excess_mass": 1500, "harm": "catastrophic"}, "harm"),
    ({"excess_mass": 1500, "repeat_count": 1.5}, "repeat_count"),
    ({"excess_mass": 1500, "first_offence": "yes"}, "first_offence"),
])
def test_bad_facts_are_refused_naming_the_fact(calc, facts, field):
    with pytest.raises(ApiError) as refused:
        calc.calculate_penalty("overload.gross_mass", facts)
    assert refused.value.code == "discretion.invalid_facts"
    assert list(refused.value.errors) == [field]


def test_factors_move_the_fine_within_the_level(calc):
    lighter = calc.calculate_penalty("road_passenger.vehicle_condition", {"harm": "minor", "coerced": True})
    assert lighter["penalty"]["amount"] == 3000 and lighter["penalty"]["benchmark_amount"] == 3500
    assert lighter["factors"] == [{"id": "coerced", "kind": "从轻", "label": "受他人胁迫或者诱骗实施违法行为"}]
    assert "有从轻情节，取本档下限：罚款 3000 元。" in "".join(lighter["reasoning"])


def test_no_penalty_list_and_its_ground(calc):
    result = calc.calculate_penalty("road_passenger.no_transport_certificate",
                                    {"first_offence": True, "corrected_promptly": True})
    assert result["no_penalty"]["ground"] == "first_offence" and not result["no_penalty"]["mandatory"]
    assert "可以不予行政处罚" in result["reasoning"][-1]
    not_first = calc.calculate_penalty("road_passenger.no_transport_certificate", {"corrected_promptly": True})
    assert not_first["no_penalty"] is None


def test_police_violations_are_handed_over_not_punished(calc):
    with pytest.raises(ApiError) as refused:
        calc.calculate_penalty("road_passenger.overcrowding", {})
    assert refused.value.code == "discretion.not_competent"


@pytest.mark.parametrize("types, amount, party, allowed", [
    (["warning"], None, "citizen", True),
    (["fine"], 200, "citizen", True),
    (["fine"], 201, "citizen", False),
    (["fine"], 3000, "organisation", True),
    (["fine"], 3001, "organisation", False),
    (["warning", "fine"], 10000, "organisation", False),
    (["none"], None, "citizen", False),
])
def test_simple_procedure_limits_of_article_51(types, amount, party, allowed):
    assert simple_procedure_allowed(types, amount, party)["allowed"] is allowed


def test_check_penalty_within_outside_and_unlawful(calc):
    facts = {"harm": "minor"}   # 较重: 3000–4000, benchmark 3500
    inside = check_penalty("road_passenger.vehicle_condition", facts, {"types": ["fine"], "amount": 3200})
    assert (inside["within"], inside["needs_reason"], inside["needs_legal_review"]) == (True, False, False)
    below = check_penalty("road_passenger.vehicle_condition", facts, {"types": ["fine"], "amount": 1500})
    assert (below["within"], below["needs_reason"], below["needs_legal_review"], below["lawful"]) == \
        (False, True, True, True)
    assert "超出裁量基准（“较重”情形的基准为罚款 3000 元至 4000 元）" in below["explanation"]
    unlawful = check_penalty("road_passenger.vehicle_condition", facts, {"types": ["fine"], "amount": 6000})
    assert unlawful["lawful"] is False and "超出法定幅度 1000 元至 5000 元" in unlawful["explanation"]
    warning = check_penalty("road_passenger.vehicle_condition", facts, {"types": ["warning"]})
    assert warning["within"] is False
    exempt = check_penalty("road_passenger.no_transport_certificate",
                           {"first_offence": True, "corrected_promptly": True}, {"types": ["none"]})
    assert exempt["within"] is True
    overload = check_penalty("overload.gross_mass", {"excess_mass": 1500}, {"types": ["fine"], "amount": 1000})
    assert overload["needs_legal_review"] and "基准为罚款 500 元）" in overload["explanation"]
