"""The discretion API over HTTP: who may ask, the benchmarks for the PWA, the calculator with an
overload inspection's answers, a proposed penalty outside the benchmark, and bad input."""


def test_benchmarks_need_a_login_and_are_served_in_full(client, login_as):
    assert client.get("/api/discretion").status_code == 401
    r = login_as("officer1").get("/api/discretion")
    assert r.status_code == 200
    files = {b["id"]: b for b in r.get_json()}
    assert set(files) == {"overload", "dangerous-goods", "road-passenger", "taxi", "ship-pollution",
                          "road-administration", "no-penalty"}
    overload = files["overload"]["document"]
    assert len(files["overload"]["hash"]) == 64 and files["no-penalty"]["kind"] == "no_penalty_list"
    levels = overload["violations"][0]["levels"]
    assert levels[1]["when"] == {"and": [{">": [{"var": "excess_mass"}, 1000]},
                                         {"<": [{"var": "excess_mass"}, 60000]}]}
    assert {f["id"] for f in overload["facts"]} >= {"first_offence", "harm"}   # the include, expanded


def test_calculate_with_an_overload_inspections_answers(login_as):
    answers = {"vehicle_type": "truck_3", "measured_mass": 26200, "legal_limit": 25000, "excess_mass": 1200,
               "excess_rate": 4.8, "within_limit": {"result": "fail", "note": "超限", "photos": []}}
    r = login_as("officer1").post("/api/discretion/calculate", json={
        "violation": "overload.gross_mass", "facts": answers, "party_kind": "organisation"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["level"] == "一般" and body["penalty"]["amount"] == 500
    assert body["benchmark"]["id"] == "overload" and body["benchmark"]["version"] == 1
    assert body["simple_procedure"]["allowed"] is True
    assert any("500 元 × 1 = 500 元" in step for step in body["reasoning"])
    assert "check" not in body


def test_a_proposal_outside_the_benchmark_needs_a_reason_and_legal_review(login_as):
    for who in ("supervisor1", "reviewer1"):
        r = login_as(who).post("/api/discretion/calculate", json={
            "violation": "taxi.meter", "facts": {}, "proposed": {"types": ["fine"], "amount": 500}})
        assert r.status_code == 200
        check = r.get_json()["check"]
        assert check == {"within": False, "needs_reason": True, "needs_legal_review": True, "lawful": True,
                         "explanation": check["explanation"]}
        assert "须书面说明理由，并提交法制审核" in check["explanation"]


def test_only_officers_supervisors_and_legal_reviewers_calculate(client, login_as):
    body = {"violation": "overload.gross_mass", "facts": {"excess_mass": 1500}}
    assert client.post("/api/discretion/calculate", json=body).status_code == 401
    r = login_as("admin").post("/api/discretion/calculate", json=body)
    assert r.status_code == 403 and r.get_json()["code"] == "auth.forbidden"


def test_bad_input_is_a_problem_naming_what_to_fix(login_as):
    officer = login_as("officer1")

    def problem(body):
        r = officer.post("/api/discretion/calculate", json=body)
        assert r.mimetype == "application/problem+json"
        return r.status_code, r.get_json()

    status, p = problem({"violation": "overload.gross_mass", "facts": {"excess_mass": "很多"}})
    assert status == 422 and p["code"] == "discretion.invalid_facts"
    assert p["errors"] == {"excess_mass": ["超限量：应为数字。"]}
    status, p = problem({"violation": "overload.gross_mass", "facts": {}})
    assert p["errors"] == {"excess_mass": ["此项必填：超限量。"]}
    status, p = problem({"violation": "overload.gross_mass", "facts": {"excess_mass": 0}})
    assert (status, p["code"]) == (422, "discretion.no_level")
    status, p = problem({"violation": "overload.unknown", "facts": {}})
    assert (status, p["code"]) == (422, "discretion.unknown_violation")
    status, p = problem({"violation": "dangerous_goods.no_escort", "facts": {}})
    assert (status, p["code"]) == (422, "discretion.not_competent")
    assert "公安机关" in p["detail"]
    status, p = problem({"violation": "taxi.meter", "facts": {}, "proposed": {"types": ["fine"]}})
    assert (status, p["code"]) == (422, "discretion.invalid_proposal")
    status, p = problem({"violation": "taxi.meter", "facts": [], "extra": 1})
    assert (status, p["code"]) == (422, "request.validation") and set(p["errors"]) == {"facts", "extra"}
