"""The JSON Logic cases the server's tests use (tests/data/jsonlogic_cases.json) give the same
results in the browser, through the evaluator the app itself uses (static/pwa/js/logic.js)."""
import json
import math
from pathlib import Path

import pytest

CASES_FILE = Path(__file__).resolve().parent.parent / "data" / "jsonlogic_cases.json"


def same(got, expected) -> bool:
    """Equality as the server's test compares: numbers numerically, booleans and types exactly."""
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected))
    return got == expected and type(got) is type(expected)


def test_shared_json_logic_cases_in_chromium(phone):
    if not CASES_FILE.exists():
        pytest.skip("tests/data/jsonlogic_cases.json arrives with the forms feature")
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
    wrong = [(case["name"], result, case["expected"]) for case, result in zip(cases, results)
             if "error" in result or not same(result["value"], case["expected"])]
    assert wrong == [], f"{len(wrong)} of {len(cases)} cases differ in the browser: {wrong[:5]}"
