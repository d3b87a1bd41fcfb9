"""The dashboard's figures against a known history (tests/oversight/history.py): each figure,
per month, team and officer, exactly (查处率 and 结案率 over the history with its findings
disposed of); what supervisors and officers may see; every figure with its definition."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from server.accounts.models import User
from server.clock import local_today, utcnow
from server.extensions import db
from server.officers.models import OfficerCertificate
from tests.oversight.history import build_case_history, build_history, expected, key, months

COLUMNS = {"handheld_rate": ("group", "handheld", "total", "rate"),
           "certificate_rate": ("group", "valid", "officers", "rate"),
           "training_hours": ("group", "done", "rolling", "officers", "reached", "rate"),
           "inspections_by_subject": ("group", "category", "count")}


@pytest.fixture
def history(app):
    return build_history(app)


def figures(client, **query) -> dict:
    m2, m1 = months()
    response = client.get("/api/oversight/figures", query_string={"from": key(m2), "to": key(m1), **query})
    assert response.status_code == 200, response.get_json()
    return {f["id"]: f for f in response.get_json()["figures"]}


def rows(figure: dict) -> list[list]:
    return [[row[c] for c in COLUMNS[figure["id"]]] for row in figure["rows"]]


@pytest.mark.parametrize("group_by", ["month", "team", "officer"])
def test_each_figure_is_exact_against_the_known_history(app, history, group_by):
    admin = app.test_client()
    admin.login("admin")
    shown = figures(admin, group_by=group_by)
    for figure_id, wanted in expected(group_by).items():
        assert rows(shown[figure_id]) == wanted, figure_id
    for figure in shown.values():
        assert figure["definition"], figure["id"]
    # findings do not depend on the grouping: within_limit failed in a2, a3, b1 of six inspections
    assert [[r["item"], r["failed"], r["checked"], r["rate"]] for r in shown["findings_by_item"]["rows"]] == [
        ["车货总质量未超过限定标准", 3, 6, 50.0]]
    assert [[r["team"], r["category"], r["failed"]] for r in shown["findings_by_place"]["rows"]] == [
        ["执法A中队", "车辆", 2], ["执法B中队", "车辆", 1]]
    assert [[r["category"], r["count"]] for r in shown["inspections_by_form"]["rows"]
            if r["group"] == shown["inspections_by_form"]["rows"][0]["group"]][0][0] == "公路超限超载检查"
    assert sum(r["count"] for r in shown["inspections_by_form"]["rows"]) == (6 if group_by != "officer" else 12)
    share = shown["legal_reviewer_share"]["rows"]
    assert [[r["reviewers"], r["officers"], r["share"], r["met"]] for r in share] == [[1, 5, 20.0, "是"]]


RATE_COLUMNS = ("group", "findings", "handled", "handling_rate", "opened", "closed", "closing_rate")


def test_case_rates_are_exact_per_month_team_and_officer(app):
    """查处率 and 结案率 from the cases module over the known history with its findings disposed
    of (history.build_case_history): a2 不予处罚 (not an action), a3 a case opened and closed in
    M1, b1 a case opened in M1 and still open."""
    build_case_history(app)
    m2, m1 = months()
    admin = app.test_client()
    admin.login("admin")

    def rates(client, **query):
        shown = figures(client, **query)["case_rates"]
        assert shown["available"] is True and "待案件模块" not in (shown.get("reason") or "")
        return [[r[c] for c in RATE_COLUMNS] for r in shown["rows"]]

    assert rates(admin, group_by="month") == [[key(m2), 1, 0, 0.0, 0, 0, None],
                                              [key(m1), 2, 2, 100.0, 2, 1, 50.0]]
    assert rates(admin, group_by="team") == [["执法A中队", 2, 1, 50.0, 1, 1, 100.0],
                                             ["执法B中队", 1, 1, 100.0, 1, 0, 0.0]]
    assert rates(admin, group_by="officer") == [["officer1", 2, 1, 50.0, 1, 1, 100.0],
                                                ["officer2", 2, 1, 50.0, 1, 1, 100.0],
                                                ["officer3", 1, 1, 100.0, 1, 0, 0.0],
                                                ["officer4", 1, 1, 100.0, 1, 0, 0.0]]
    supervisor = app.test_client()
    supervisor.login("supervisor2")
    assert rates(supervisor, group_by="month") == [[key(m2), 0, 0, None, 0, 0, None],
                                                   [key(m1), 1, 1, 100.0, 1, 0, 0.0]]
    assert rates(supervisor, group_by="officer") == [["officer3", 1, 1, 100.0, 1, 0, 0.0],
                                                     ["officer4", 1, 1, 100.0, 1, 0, 0.0]]
    officer = app.test_client()
    officer.login("officer2")
    assert rates(officer, group_by="month") == [[key(m2), 1, 0, 0.0, 0, 0, None],
                                                [key(m1), 1, 1, 100.0, 1, 1, 100.0]]
    assert rates(officer, group_by="officer") == [["officer2", 2, 1, 50.0, 1, 1, 100.0]]


def test_a_supervisor_sees_their_team_and_an_officer_only_themselves(app, history):
    m2, m1 = months()
    supervisor = app.test_client()
    supervisor.login("supervisor1")
    mine = figures(supervisor, group_by="month")
    # team A only: M2 a1 (PWA) + a2 (desk); M1 a3, a4 (PWA)
    assert rows(mine["handheld_rate"]) == [[key(m2), 1, 2, 50.0], [key(m1), 2, 2, 100.0]]
    assert rows(mine["certificate_rate"]) == [[key(m2), 2, 2, 100.0], [key(m1), 2, 2, 100.0]]
    other = supervisor.get("/api/oversight/figures", query_string={"team": history["teams"]["officer3"]})
    assert other.status_code == 403 and other.get_json()["code"] == "oversight.not_your_team"

    officer = app.test_client()
    officer.login("officer3")
    own = figures(officer, group_by="officer")
    assert rows(own["handheld_rate"]) == [["officer3", 1, 2, 50.0]]
    assert rows(own["training_hours"]) == [["officer3", 30.0, 30.0, 1, 0, 0.0]]
    by_month = figures(officer, group_by="month")
    assert rows(by_month["handheld_rate"]) == [[key(m2), 0, 0, None], [key(m1), 1, 2, 50.0]]

    reviewer = app.test_client()
    reviewer.login("reviewer1")
    assert reviewer.get("/api/oversight/figures").status_code == 403
    assert app.test_client().get("/api/oversight/figures").status_code == 401


def test_a_bad_period_is_refused_in_chinese(app, history):
    admin = app.test_client()
    admin.login("admin")
    for query in ({"from": "2026-13"}, {"from": "2026-05", "to": "2026-01"}, {"from": "2020-01", "to": "2026-01"}):
        answer = admin.get("/api/oversight/figures", query_string=query)
        assert answer.status_code == 422, (query, answer.get_json())
        assert answer.get_json()["code"] in ("oversight.period_invalid", "request.validation")
    unknown = admin.get("/api/oversight/figures/nonsense/export", query_string={"format": "csv"})
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "oversight.unknown_figure"


def test_a_past_month_reads_the_certificate_held_then(app, history):
    """officer5 renewed late: the registry keeps the old certificate (to M1-10) and the new one
    (from M1-16), which the account now mirrors. M2's end reads the old one: 5 of 5 valid (the
    account alone would say 4: the new one was not yet valid then); M1's end the new one."""
    m2, m1 = months()
    officer5 = db.session.get(User, history["ids"]["officer5"])
    renewed, now = m1 + timedelta(days=15), utcnow()
    db.session.add_all([
        OfficerCertificate(user_id=officer5.id, number="330424officer5", domains=[], created_at=now,
                           valid_from=officer5.certificate_valid_from, valid_until=officer5.certificate_valid_until),
        OfficerCertificate(user_id=officer5.id, number="330424officer5-2", domains=[], created_at=now,
                           valid_from=renewed, valid_until=local_today() + timedelta(days=365))])
    officer5.certificate_number, officer5.certificate_valid_from = "330424officer5-2", renewed
    officer5.certificate_valid_until = local_today() + timedelta(days=365)
    db.session.commit()
    admin = app.test_client()
    admin.login("admin")
    assert rows(figures(admin, group_by="month")["certificate_rate"]) == [
        [key(m2), 5, 5, 100.0], [key(m1), 5, 5, 100.0]]


PERFORMANCE = ("group", "team", "inspections", "findings", "handled", "handling_rate", "opened", "closed",
               "closing_rate", "flagged")


def test_each_officers_performance_figures_for_whoever_may_see_them(app):
    """执法人员绩效 over the history with its cases: one row per officer in scope, whatever the
    grouping; supervisors see their team's officers, an officer only their own row."""
    from server.evidence.models import EvidenceFile
    from server.inspections.models import Evidence

    history = build_case_history(app)
    # The evidence flags the files of a3 (officer1 and officer2) received, counted here from the files.
    flagged = {name: sum(bool(f.flags) for f in db.session.query(EvidenceFile).join(
        Evidence, Evidence.uuid == EvidenceFile.evidence_uuid).filter(
        Evidence.inspection_uuid == uuid.UUID(history["uuids"][name]))) for name in ("a2", "a3", "b1")}
    team_a, team_b = flagged["a2"] + flagged["a3"], flagged["b1"]
    admin = app.test_client()
    admin.login("admin")

    def performance(client, **query):
        return [[r[c] for c in PERFORMANCE] for r in figures(client, **query)["officer_performance"]["rows"]]

    everyone = [["officer1", "执法A中队", 4, 2, 1, 50.0, 1, 1, 100.0, team_a],
                ["officer2", "执法A中队", 4, 2, 1, 50.0, 1, 1, 100.0, team_a],
                ["officer3", "执法B中队", 2, 1, 1, 100.0, 1, 0, 0.0, team_b],
                ["officer4", "执法B中队", 2, 1, 1, 100.0, 1, 0, 0.0, team_b],
                ["officer5", "执法B中队", 0, 0, 0, None, 0, 0, None, 0]]
    assert performance(admin, group_by="month") == everyone
    assert performance(admin, group_by="team") == everyone
    supervisor = app.test_client()
    supervisor.login("supervisor2")
    assert performance(supervisor) == everyone[2:]
    officer = app.test_client()
    officer.login("officer1")
    assert performance(officer) == everyone[:1]
