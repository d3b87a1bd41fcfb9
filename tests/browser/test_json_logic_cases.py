"""The JSON Logic cases the server's tests use (tests/data/jsonlogic_cases.json) give the same
results in the browser, through the evaluator the app itself uses (static/pwa/js/logic.js); so do
the forms' result rules (tests/data/result_rule_cases.json, also run by tests/forms/test_result_rules.py)."""
import json
import math
from pathlib import Path

CASES_FILE = Path(__file__).resolve().parent.parent / "data" / "jsonlogic_cases.json"
RULE_CASES_FILE = CASES_FILE.with_name("result_rule_cases.json")


def same(got, expected) -> bool:
    """Equality as the server's test compares: numbers numerically, booleans and types exactly."""
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    return got == expected and type(got) is type(expected)


def test_shared_json_logic_cases_in_chromium(phone):
    cases = json.loads(CASES_FILE.read_text("utf-8"))["cases"]
    assert len(cases) > 20
    phone.open("#/login")
    results = phone.page.evaluate("""async (cases) => {
        const logic = await import('/js/logic.js');
        return cases.map((c) => {
            try { return { value: logic.apply(c.logic, c.data) }; }
            catch (error) { return { error: String(error) }; }
        });
    }""", cases)
    wrong = [(case["name"], result, case["expected"]) for case, result in zip(cases, results, strict=True)
             if "error" in result or not same(result["value"], case["expected"])]
    assert wrong == [], f"{len(wrong)} of {len(cases)} cases differ in the browser: {wrong[:5]}"


def test_forms_result_rules_settle_the_same_checks_in_chromium(phone):
    cases = json.loads(RULE_CASES_FILE.read_text("utf-8"))["cases"]
    assert len(cases) >= 12
    phone.login("officer1")
    results = phone.page.evaluate("""async (cases) => {
        const logic = await import('/js/logic.js');
        const forms = {};
        const out = [];
        for (const c of cases) {
            const key = `${c.form}/${c.version}`;
            forms[key] ||= await fetch(`/api/forms/${key}`).then((r) => r.json());
            const item = logic.topItems(forms[key]).find((i) => i.id === c.item);
            const { data } = logic.evaluateForm(forms[key], c.answers);
            const outcome = logic.ruleOutcome(item, data);
            out.push({ allowed: [...outcome.allowed].sort(), reasons: outcome.reasons.length });
        }
        return out;
    }""", cases)
    wrong = [(c["name"], got) for c, got in zip(cases, results, strict=True)
             if got != {"allowed": c["allowed"], "reasons": c["reasons"]}]
    assert wrong == [], f"{len(wrong)} of {len(cases)} result-rule cases differ in the browser: {wrong[:5]}"
