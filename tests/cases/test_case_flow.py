"""A 不符合 finding through the general procedure over the API: disposition, 立案, investigation,
告知 with hearing rights, 陈述申辩, hearing, 法制审核, decision, service, payment with 加处罚款,
结案; each deadline on the official calendar; a stale action answers 409; the log vouches for
every row."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.clock import local_today
from server.extensions import db
from testing.cases import CaseWalk
from tests.cases.conftest import vouched_problems


def step(client, case, action, **facts):
    """`action` taken by `client` over HTTP with a valid body (testing/cases.py) and `facts`."""
    return CaseWalk.over_http(case).step(client, action, **facts)


def _document(case_id, doc_type):
    from server.documents.models import Document

    return db.session.execute(sa.select(Document).where(
        Document.subject_type == "case", Document.subject_id == str(case_id),
        Document.doc_type == doc_type)).scalar_one()


def deadlines(case) -> dict:
    return {d["key"]: (d["due"], d["unit"], d["state"]) for d in case["deadlines"]}


def test_a_finding_goes_from_disposition_to_a_closed_case(approved, login_as):
    record = approved()
    supervisor, officer, reviewer = login_as("supervisor1"), login_as("officer1"), login_as("reviewer1")
    year = local_today().year

    pending = supervisor.get("/api/findings/pending").get_json()
    assert [(f["inspection_uuid"], f["item_id"], f["age_days"]) for f in pending] == [
        (record["uuid"], "within_limit", 0)]
    assert officer.get("/api/findings/pending").status_code == 403

    # The officer proposes 立案; it waits for the supervisor, still listed as pending.
    proposed = officer.post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                            json={"kind": "case", "note": "超限 2250 千克"})
    assert proposed.status_code == 201, proposed.get_json()
    proposal = proposed.get_json()
    assert proposal["status"] == "proposed"
    assert supervisor.get("/api/findings/pending").get_json()[0]["proposal"]["id"] == proposal["id"]
    again = officer.post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                         json={"kind": "correction", "correction_due": "2199-01-01"})
    assert again.status_code == 409 and again.get_json()["code"] == "disposition.exists"

    confirmed = supervisor.post(f"/api/dispositions/{proposal['id']}/confirm",
                                json={"expected_version": 1, "party_kind": "citizen"})
    assert confirmed.status_code == 200, confirmed.get_json()
    stale = supervisor.post(f"/api/dispositions/{proposal['id']}/confirm", json={"expected_version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == "disposition.stale"
    assert supervisor.get("/api/findings/pending").get_json() == []

    [listed] = supervisor.get("/api/cases").get_json()
    case = supervisor.get(f"/api/cases/{listed['id']}").get_json()
    assert case["status"] == "proposed" and case["party_kind"] == "citizen"
    assert case["allowed"]["approve_opening"] is None
    assert officer.post(f"/api/cases/{case['id']}/steps/approve_opening",
                        json={"expected_version": 1}).get_json()["code"] == "case.forbidden"

    case = step(supervisor, case, "approve_opening", on="2026-09-01")
    assert deadlines(case)["decision"] == ("2026-11-30", "calendar", deadlines(case)["decision"][2])
    # A 询问笔录 needs its place and the interviewee's relation to the case: without them the
    # step is refused, naming them, and nothing is recorded.
    incomplete = officer.post(f"/api/cases/{case['id']}/steps/add_interview", json={
        "expected_version": case["version"], "on": "2026-09-03", "interviewee": "赵师傅",
        "summary": "问：车上装的什么？\n答：钢材。"})
    assert incomplete.status_code == 422, incomplete.get_json()
    problem = incomplete.get_json()
    assert problem["code"] == "document.missing_fields" and incomplete.mimetype == "application/problem+json"
    assert "“询问地点”" in problem["detail"] and "“与案件关系”" in problem["detail"]
    db.session.rollback()  # the refused request's end (the test client shares this app context)
    assert supervisor.get(f"/api/cases/{case['id']}").get_json()["version"] == case["version"]
    case = step(officer, case, "add_interview", on="2026-09-03", interviewee="赵师傅")
    case = step(officer, case, "link_evidence", inspection_uuid=record["uuid"])

    # 告知: the benchmark for 2,250 kg over is 1,000 yuan; 15,000 yuan leaves it (a written reason
    # is required) and reaches the citizen's hearing threshold: a major decision.
    unreasoned = officer.post(f"/api/cases/{case['id']}/steps/notify", json={
        "expected_version": case["version"], "proposed_fine_fen": 1_500_000, "facts": "超限"})
    assert unreasoned.status_code == 422 and unreasoned.get_json()["code"] == "case.reason_required"
    assert "裁量基准" in unreasoned.get_json()["detail"]
    case = step(officer, case, "notify", on="2026-09-10", proposed_fine_fen=1_500_000,
                facts="车货总质量超过限定标准", circumstances={"repeat_count": 2},
                reason_outside_benchmark="一年内第三次超限运输，屡教不改")
    assert case["hearing_eligible"] and case["major_decision"]
    notice = case["steps"][-1]["details"]["discretion"]
    assert (notice["within_benchmark"], notice["level"], notice["facts"]["excess_mass"]) == (False, "一般", 2250)
    assert deadlines(case)["statement"][:2] == ("2026-09-15", "working")
    assert deadlines(case)["hearing_request"][:2] == ("2026-09-17", "working")
    refused = supervisor.post(f"/api/cases/{case['id']}/steps/decide", json={
        "expected_version": case["version"], "fine_fen": 1_500_000, "party_present": False,
        "reasoning": "…"})
    assert refused.get_json()["code"] == "case.legal_review_required"

    case = step(officer, case, "record_statement", on="2026-09-11", statement="称不知道限重标准。")
    case = step(officer, case, "request_hearing", on="2026-09-14")
    blocked = supervisor.post(f"/api/cases/{case['id']}/steps/send_to_legal_review",
                              json={"expected_version": case["version"], "reason": "较大数额罚款"})
    assert blocked.get_json()["code"] == "case.hearing_pending"
    case = step(officer, case, "record_hearing", on="2026-09-18")
    case = step(supervisor, case, "send_to_legal_review", on="2026-09-21", reason="较大数额罚款，经过听证")

    case = reviewer.get(f"/api/cases/{case['id']}").get_json()
    case = step(reviewer, case, "legal_opinion", on="2026-09-22")
    assert case["status"] == "reviewed"

    # 决定 on the Thursday before the 中秋/国庆 holidays; the party absent: 7 working days to serve,
    # counted across the holidays and the 调休 Saturday 2026-10-10.
    unanswered = supervisor.post(f"/api/cases/{case['id']}/steps/decide", json={
        "expected_version": case["version"], "on": "2026-09-24", "fine_fen": 1_500_000,
        "party_present": False, "reasoning": "依据《公路安全保护条例》第六十四条"})
    assert unanswered.get_json()["code"] == "document.missing_fields"
    assert "当事人陈述、申辩及采纳情况" in unanswered.get_json()["detail"]
    db.session.rollback()
    case = step(supervisor, case, "decide", on="2026-09-24", fine_fen=1_500_000, party_present=False,
                reasoning="依据《公路安全保护条例》第六十四条",
                statement_assessment="当事人系职业驾驶员，应知限载标准，所称不知不予采纳。")
    assert deadlines(case)["service"][:2] == ("2026-10-12", "working")
    case = step(officer, case, "serve", on="2026-09-28", method="mail", recipient="赵师傅",
                receipt="挂号信回执 2026-09-30 签收")
    assert deadlines(case)["payment"][:2] == ("2026-10-13", "calendar")

    # Paid 7 days late: 21 % 加处罚款 (3 % a day) is owed on top of the fine.
    paid = supervisor.post(f"/api/cases/{case['id']}/payments", json={
        "expected_version": case["version"], "amount_fen": 1_500_000, "reference": "BANK-001",
        "paid_on": "2026-10-20"})
    assert paid.status_code == 200, paid.get_json()
    case = paid.get_json()
    not_yet = supervisor.post(f"/api/cases/{case['id']}/steps/close", json={"expected_version": case["version"]})
    assert not_yet.get_json()["code"] == "case.not_paid"
    case = supervisor.post(f"/api/cases/{case['id']}/payments", json={
        "expected_version": case["version"], "amount_fen": 315_000, "reference": "BANK-002",
        "paid_on": "2026-10-20"}).get_json()
    assert case["paid_fen"] == 1_815_000
    case = step(supervisor, case, "close", on="2026-10-21", summary="罚款及加处罚款已缴清，建议结案。")
    assert case["status"] == "closed" and case["owed_fen"] == 0
    assert [s["action"] for s in case["steps"]] == [
        "open", "approve_opening", "add_interview", "link_evidence", "notify", "record_statement",
        "request_hearing", "record_hearing", "send_to_legal_review", "legal_opinion", "decide",
        "serve", "record_payment", "record_payment", "close"]

    # Each step's document, issued with the step, numbered per type, waiting for its seal.
    issued = [(d["doc_type"], d["number"], d["state_label"], d["download"]) for d in case["documents"]]
    assert issued == [
        ("case_filing_approval", f"海盐交立〔{year}〕第 1 号", "待签章", None),
        ("inquiry_record", f"海盐交询〔{year}〕第 1 号", "待签章", None),
        ("penalty_notice", f"海盐交罚告〔{year}〕第 1 号", "待签章", None),
        ("penalty_decision", f"海盐交罚〔{year}〕第 1 号", "待签章", None),
        ("service_receipt", f"海盐交送〔{year}〕第 1 号", "待签章", None),
        ("case_closing_approval", f"海盐交结〔{year}〕第 1 号", "待签章", None)]
    decision = _document(case["id"], "penalty_decision")
    assert "经查明" not in decision.fields  # the fields, not labels
    assert decision.fields["facts_found"] == "车货总质量超过限定标准"
    assert "所称不知不予采纳" in decision.fields["statements_heard"]
    assert "称不知道限重标准" in decision.fields["statements_heard"]
    assert decision.fields["legal_basis"].startswith("违反了《") and "的规定，依据《" in decision.fields["legal_basis"]
    assert "一般" in decision.fields["benchmark_level"]
    assert "一年内第三次超限运输" in decision.fields["benchmark_level"]
    assert any("询问笔录 海盐交询" in line for line in decision.fields["evidence_relied_on"])
    waiting = supervisor.get(f"/api/cases/{case['id']}/documents/{decision.uuid}.pdf")
    assert waiting.status_code == 409 and waiting.get_json()["code"] == "document.not_sealed"
    assert case["archive"]["state"] == "waiting"
    assert vouched_problems() == []


def test_a_stale_step_answers_409_and_changes_nothing(approved, login_as):
    record = approved()
    supervisor = login_as("supervisor1")
    made = supervisor.post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                           json={"kind": "case"})
    assert made.status_code == 201 and made.get_json()["status"] == "confirmed"
    case = supervisor.get("/api/cases").get_json()[0]
    step(supervisor, case, "approve_opening")
    again = supervisor.post(f"/api/cases/{case['id']}/steps/reject_opening",
                            json={"expected_version": case["version"], "reason": "重复"})
    assert again.status_code == 409 and again.get_json()["code"] == "case.stale"
    assert supervisor.get(f"/api/cases/{case['id']}").get_json()["status"] == "investigating"


def test_the_database_refuses_a_case_state_without_its_facts(approved, login_as):
    record = approved()
    login_as("supervisor1").post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                                 json={"kind": "case"})
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE cases SET status = 'decided'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE case_steps SET to_status = 'closed'"))
    db.session.rollback()


def test_an_edited_case_row_is_named_by_audit_verify(approved, login_as):
    record = approved()
    supervisor = login_as("supervisor1")
    supervisor.post(f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                    json={"kind": "case"})
    case = supervisor.get("/api/cases").get_json()[0]
    step(supervisor, case, "approve_opening", on="2026-09-01")
    assert vouched_problems() == []
    db.session.execute(sa.text("UPDATE cases SET opened_on = '2026-10-01'"))
    db.session.execute(sa.text("UPDATE dispositions SET kind = 'no_penalty', ground_code = 'x', "
                               "ground_text = 'x'"))
    db.session.commit()
    problems = vouched_problems()
    assert any(p.startswith("cases ") and "opened_on" in p for p in problems), problems
    assert any(p.startswith("dispositions id") and "kind" in p for p in problems), problems
