"""The penalty calculator on the phone (static/pwa/js/discretion.js) gives the server's answers:
every shared case of tests/data/discretion_cases.json (also replayed by
tests/discretion/test_calculator.py) is computed in Chromium on the benchmarks the app cached from
GET /api/discretion, offline, and compared with the case's expectation and with the server's whole
answer (level, penalty, factors, no-penalty, simple procedure and every line of the reasoning)."""
import json
from pathlib import Path

CASES_FILE = Path(__file__).resolve().parent.parent / "data" / "discretion_cases.json"


def test_every_shared_case_gives_the_servers_answer_offline(phone):
    cases = json.loads(CASES_FILE.read_text("utf-8"))["cases"]
    assert len(cases) > 20
    phone.login("officer1")
    phone.wait_until("""async () => {
        const { createStore, openStore } = await import('/js/db.js');
        return Boolean(await createStore(await openStore()).getMeta('discretion'));
    }""")
    server = phone.page.evaluate("""async (cases) => {
        const me = await fetch('/api/me').then((r) => r.json());
        const out = [];
        for (const c of cases) {
            const r = await fetch('/api/discretion/calculate', { method: 'POST', headers: {
                'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
                body: JSON.stringify({ violation: c.violation, facts: c.facts,
                                       party_kind: c.party_kind || null }) });
            out.push(await r.json());
        }
        return out;
    }""", cases)
    phone.context.set_offline(True)
    phone_answers = phone.page.evaluate("""async (cases) => {
        const { createStore, openStore } = await import('/js/db.js');
        const calc = await import('/js/discretion.js');
        const { benchmarks } = await createStore(await openStore()).getMeta('discretion');
        return cases.map((c) => {
            try { return calc.calculatePenalty(benchmarks, c.violation, c.facts, c.party_kind || null); }
            catch (error) { return { error: error.code || String(error) }; }
        });
    }""", cases)
    wrong = []
    for case, mine, theirs in zip(cases, phone_answers, server, strict=True):
        assert "error" not in mine, (case["name"], mine)
        p = mine["penalty"]
        got = {"level": mine["level"], "types": p["types"], "amount": p["amount"], "min": p["min"],
               "max": p["max"], "no_penalty": mine["no_penalty"] and mine["no_penalty"]["ground"]}
        if "simple_procedure" in case["expect"]:
            got["simple_procedure"] = mine["simple_procedure"]["allowed"]
        if got != case["expect"] or mine != theirs:
            wrong.append((case["name"], mine, theirs))
    assert wrong == [], f"{len(wrong)} of {len(cases)} cases differ on the phone: {wrong[:2]}"


def test_the_phone_refuses_what_the_server_refuses(phone):
    """Missing facts and a fact of no level: the same problem codes as the server's."""
    phone.login("officer1")
    answers = phone.page.evaluate("""async () => {
        const calc = await import('/js/discretion.js');
        const benchmarks = await fetch('/api/discretion').then((r) => r.json());
        const codes = [];
        for (const facts of [{}, { excess_mass: '1500' }, { excess_mass: 0 }]) {
            try { calc.calculatePenalty(benchmarks, 'overload.gross_mass', facts); codes.push(null); }
            catch (error) { codes.push([error.code, Object.keys(error.errors)]); }
        }
        return codes;
    }""")
    assert answers == [["discretion.invalid_facts", ["excess_mass"]],
                       ["discretion.invalid_facts", ["excess_mass"]], ["discretion.no_level", []]]
