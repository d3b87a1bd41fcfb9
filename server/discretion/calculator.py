"""The penalty calculator: a violation's facts -> its circumstance level, the benchmark penalty
and the reasoning in Chinese, step by step; the check of a proposed penalty against the benchmark
(`check_penalty`, used by cases) and the limits of the simple procedure (`simple_procedure_allowed`).

Everything here evaluates the benchmark's JSON Logic with server/forms/logic.py, whose semantics
are json-logic-js's: the PWA's logic.js gets the same answers offline (tests/data/discretion_cases.json
holds the cases both sides replay). Numbers in the reasoning are written by `number_text`.
"""
from __future__ import annotations

import math

from ..errors import ApiError
from ..forms.logic import evaluate, truthy
from . import service
from .loader import PLACEHOLDER

TYPE_TEXT = {"none": "不予罚款（责令改正）", "warning": "警告", "fine": "罚款"}
PARTY_KINDS = ("citizen", "organisation")
# 《行政处罚法》第五十一条: on the spot, a warning, or a fine up to these amounts (yuan).
SIMPLE_PROCEDURE_FINE_LIMIT = {"citizen": 200, "organisation": 3000}


def number_text(value) -> str:
    """A number as the reasoning writes it: no decimals when whole, else at most two."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _yuan(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ApiError("discretion.benchmark_defect", f"裁量基准计算{what}时得到无效数值，请联系法制审核人员核对基准。")
    return int(math.floor(value + 0.5))


def _check_fact(fact: dict, value):
    kind = fact["type"]
    if kind == "boolean":
        return None if isinstance(value, bool) else "应为是或否（true/false）。"
    if kind == "select":
        values = [o["value"] for o in fact["options"]]
        return None if value in values else f"应为以下之一：{'、'.join(values)}。"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "应为数字。"
    if kind == "integer" and not float(value).is_integer():
        return "应为整数。"
    if "min" in fact and value < fact["min"]:
        return f"应不小于 {number_text(fact['min'])}。"
    if "max" in fact and value > fact["max"]:
        return f"应不大于 {number_text(fact['max'])}。"
    return None


def validated_facts(declared: list[dict], raw: dict) -> dict:
    """The declared facts from `raw` (other keys, e.g. an inspection's other answers, ignored),
    defaults applied; any missing or wrong one is a problem naming the fact."""
    facts, errors = {}, {}
    for fact in declared:
        value = raw.get(fact["id"])
        if value is None or value == "":
            if "default" not in fact:
                errors[fact["id"]] = [f"此项必填：{fact['label']}。"]
                continue
            value = fact["default"]
        problem = _check_fact(fact, value)
        if problem:
            errors[fact["id"]] = [f"{fact['label']}：{problem}"]
        facts[fact["id"]] = value
    if errors:
        raise ApiError("discretion.invalid_facts", errors=errors)
    return facts


def _fact_text(fact: dict, value) -> str:
    if fact["type"] == "boolean":
        shown = "是" if value else "否"
    elif fact["type"] == "select":
        shown = next(o["label"] for o in fact["options"] if o["value"] == value)
    else:
        shown = number_text(value) + (f" {fact['unit']}" if fact.get("unit") else "")
    return f"{fact['label']}：{shown}"


def _cite(c: dict) -> str:
    return f"{c['law']}{c['article']}"


def _level_penalty(level: dict, facts: dict) -> tuple[dict, str | None]:
    p = level["penalty"]
    data = dict(facts)
    for step in p["let"]:
        data[step["name"]] = evaluate(step["value"], data)
    penalty = {"types": list(p["types"]), "amount": None, "min": None, "max": None}
    if "fine" in p["types"]:
        amount = _yuan(evaluate(p["amount"], data), "罚款数额")
        penalty.update(amount=amount,
                       min=_yuan(evaluate(p["min"], data), "幅度下限") if "min" in p else amount,
                       max=_yuan(evaluate(p["max"], data), "幅度上限") if "max" in p else amount)
        data.update(amount=penalty["amount"], min=penalty["min"], max=penalty["max"])
    arithmetic = PLACEHOLDER.sub(lambda m: number_text(data[m.group(1)]), p["arithmetic"]) \
        if "arithmetic" in p else None
    return penalty, arithmetic


def calculate_penalty(code: str, raw_facts: dict, party_kind: str | None = None) -> dict:
    """Level, benchmark penalty and reasoning for violation `code` on `raw_facts`."""
    found = service.find_violation(code)
    if found is None:
        raise ApiError("discretion.unknown_violation")
    benchmark, v = found
    if v["authority"] == "police":
        raise ApiError("discretion.not_competent")
    declared = benchmark.definition["facts"] + v["facts"]
    facts = validated_facts(declared, raw_facts)
    steps = [f"违法行为：{v['title']}（{code}）。",
             f"违反{_cite(v['breached'])}；处罚依据：{'、'.join(_cite(c) for c in v['penalty_basis'])}。"]
    statutory = "、".join(TYPE_TEXT[t] for t in v["penalty_types"])
    if "statutory_range" in v:
        r = v["statutory_range"]
        statutory += f"，罚款幅度 {r['min']} 元至 {r['max']} 元"
    steps.append(f"法定处罚：{statutory}。")
    steps.append("认定的事实：" + "；".join(_fact_text(f, facts[f["id"]]) for f in declared
                                        if f in v["facts"] or facts[f["id"]] != f.get("default")) + "。")
    matched = [lv for lv in v["levels"] if truthy(evaluate(lv["when"], facts))]
    if len(matched) != 1:
        raise ApiError("discretion.no_level" if not matched else "discretion.benchmark_defect")
    level = matched[0]
    steps.append(f"情节：符合“{level['level']}”情形的条件：{level['condition']}。")
    penalty, arithmetic = _level_penalty(level, facts)
    if arithmetic:
        steps.append(f"计算：{arithmetic}")
    kinds = "、".join(TYPE_TEXT[t] for t in penalty["types"])
    if "fine" in penalty["types"]:
        steps.append(f"基准处罚：{kinds}，基准罚款 {penalty['amount']} 元（{_range_text(penalty)}）。")
    else:
        steps.append(f"基准处罚：{kinds}。")
    factors = [f for f in benchmark.definition["factors"] if truthy(evaluate(f["when"], facts))]
    penalty["benchmark_amount"] = penalty["amount"]
    steps.extend(_apply_factors(factors, penalty))
    result = {"violation": {"code": code, "title": v["title"]},
              "benchmark": {"id": benchmark.id, "version": benchmark.version,
                            "hash": benchmark.content_hash},
              "level": level["level"], "penalty": penalty,
              "statutory_range": v.get("statutory_range"),
              "factors": [{"id": f["id"], "kind": f["kind"], "label": f["label"]} for f in factors],
              "no_penalty": _no_penalty(code, facts, steps)}
    if party_kind is not None:
        result["simple_procedure"] = simple_procedure_allowed(penalty["types"], penalty["amount"],
                                                              party_kind)
        steps.append(result["simple_procedure"]["reason"])
    result["reasoning"] = [f"{i}. {s}" for i, s in enumerate(steps, 1)]
    return result


def _range_text(penalty: dict) -> str:
    if penalty["min"] == penalty["max"]:
        return "本档罚款数额固定，情节不改变数额"
    return f"本档幅度 {penalty['min']} 元至 {penalty['max']} 元"


def _apply_factors(factors: list[dict], penalty: dict) -> list[str]:
    steps = [f"{f['kind']}情节：{f['label']}（{_cite(f['basis'])}）。" for f in factors]
    kinds = {f["kind"] for f in factors}
    if "fine" in penalty["types"]:
        if "从重" in kinds and "从轻" not in kinds:
            penalty["amount"] = penalty["max"]
            steps.append(f"有从重情节，取本档上限：罚款 {penalty['amount']} 元。")
        elif "从轻" in kinds and "从重" not in kinds:
            penalty["amount"] = penalty["min"]
            steps.append(f"有从轻情节，取本档下限：罚款 {penalty['amount']} 元。")
        elif {"从轻", "从重"} <= kinds:
            steps.append(f"从轻与从重情节并存，按基准罚款 {penalty['amount']} 元。")
    if "减轻" in kinds:
        steps.append("有减轻情节：可以在法定最低限度以下处罚，须写明理由并经法制审核。")
    return steps


def _no_penalty(code: str, facts: dict, steps: list[str]) -> dict | None:
    found = service.no_penalty_entry(code)
    if found is None:
        return None
    listing, entry = found
    if not truthy(evaluate(entry["when"], {**facts})):
        return None
    mandatory = entry["ground"] == "minor"
    basis = "、".join(_cite(c) for c in listing.definition["basis"])
    steps.append(f"该违法行为列入《{listing.title}》，且{entry['condition']}：依{basis}，"
                 f"{'应当' if mandatory else '可以'}不予行政处罚，{entry['measure']}。")
    return {"ground": entry["ground"], "mandatory": mandatory, "condition": entry["condition"],
            "measure": entry["measure"], "list": {"id": listing.id, "version": listing.version}}


def simple_procedure_allowed(types: list[str], amount: int | None, party_kind: str) -> dict:
    """Whether a penalty may be decided on the spot (《行政处罚法》第五十一条): a warning, or a
    fine of at most 200 yuan for a citizen, 3,000 yuan for an organisation."""
    if party_kind not in PARTY_KINDS:
        raise ValueError(f"party_kind is one of {PARTY_KINDS}")
    limit = SIMPLE_PROCEDURE_FINE_LIMIT[party_kind]
    who = "公民" if party_kind == "citizen" else "法人或者其他组织"
    if not types or set(types) - {"warning", "fine"}:
        return {"allowed": False, "limit": limit,
                "reason": "不适用简易程序：简易程序只作出警告或者罚款决定（《行政处罚法》第五十一条）。"}
    if "fine" in types and (amount is None or amount > limit):
        return {"allowed": False, "limit": limit,
                "reason": f"不适用简易程序：对{who}当场罚款不得超过 {limit} 元，本案罚款 "
                          f"{number_text(amount)} 元，应适用普通程序（《行政处罚法》第五十一条）。"}
    what = f"罚款 {number_text(amount)} 元" if "fine" in types else "警告"
    return {"allowed": True, "limit": limit,
            "reason": f"可以适用简易程序当场作出决定：对{who}{what}，未超过警告或 {limit} 元罚款的限度"
                      f"（《行政处罚法》第五十一条；违法事实确凿并有法定依据）。"}


def check_penalty(code: str, facts: dict, proposed: dict, party_kind: str | None = None) -> dict:
    """A proposed penalty ({types, amount}) against the benchmark: outside it, it needs a written
    reason and legal review; outside the statutory range it is unlawful."""
    result = calculate_penalty(code, facts, party_kind)
    level, types = result["penalty"], sorted(set(proposed.get("types") or []))
    amount = proposed.get("amount")
    statutory = result["statutory_range"]
    if "fine" in types and not isinstance(amount, int):
        raise ApiError("discretion.invalid_proposal")
    lawful = "fine" not in types or statutory is None or statutory["min"] <= amount <= statutory["max"]
    exempt = result["no_penalty"] is not None and types == ["none"]
    within = exempt or (types == sorted(set(level["types"])) and (
        "fine" not in types or level["min"] <= amount <= level["max"]))
    if within:
        explanation = "拟处罚在裁量基准之内。" if not exempt else "拟不予处罚，符合不予处罚清单的条件。"
    else:
        bench = "、".join(TYPE_TEXT[t] for t in level["types"])
        if "fine" in level["types"]:
            bench += f" {level['min']} 元" if level["min"] == level["max"] else \
                f" {level['min']} 元至 {level['max']} 元"
        explanation = (f"拟处罚超出裁量基准（“{result['level']}”情形的基准为{bench}）："
                       "须书面说明理由，并提交法制审核。")
        if not lawful:
            explanation += f"拟罚款 {amount} 元超出法定幅度 {statutory['min']} 元至 {statutory['max']} 元，不得作出。"
    return {"within": within, "needs_reason": not within, "needs_legal_review": not within,
            "lawful": lawful, "explanation": explanation, "calculation": result}
