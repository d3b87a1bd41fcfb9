"""Dispositions of each kind, the platform's signed payment notices, warnings, and the exact
查处率 / 结案率 of a known history."""
from __future__ import annotations

import json
import time
from datetime import date

import pytest

from server.cases import dispositions, monitor, payments
from server.cases.case_models import Case, CasePayment
from server.cases.deadlines import late_fee_fen
from server.cases.models import Disposition, FollowUpTask
from server.database import write_intent
from server.extensions import db
from testing.cases import CaseWalk
from tests.cases.conftest import approved_row, vouched_problems


@pytest.fixture(autouse=True)
def as_a_writer(app):
    """The services called here issue numbered documents (a correction's notice, each step's
    document), which only a writer's transaction may do, as on a request's path."""
    with write_intent(True):
        yield


def test_each_kind_of_disposition_leaves_what_it_promises(app, personas):
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "taxi", 2, ["meter", "service_marks", "order_matches"],
                              date(2026, 9, 1))
    fix = dispositions.propose_disposition(supervisor, inspection, "meter", {
        "kind": "correction", "correction_due": date(2199, 1, 1)})
    task = db.session.query(FollowUpTask).one()
    assert (fix.status, task.item_id, task.due_on, task.status) == ("confirmed", "meter", date(2199, 1, 1), "open")
    db.session.commit()
    phone, elsewhere = app.test_client(), app.test_client()
    phone.login("officer2")
    elsewhere.login("officer3")
    assert [(t["subject_name"], t["form_id"], t["item_id"], t["due_on"]) for t in
            phone.get("/api/follow-up-tasks").get_json()] == [("浙F00001", "taxi", "meter", "2199-01-01")]
    assert elsewhere.get("/api/follow-up-tasks").get_json() == []

    spared = dispositions.propose_disposition(o1, inspection, "service_marks", {
        "kind": "no_penalty", "ground_code": "first_offence"})
    assert spared.status == "proposed" and "第三十三条" in spared.ground_text
    dispositions.reject_disposition(supervisor, spared, 1, "不属于首次违法")
    assert spared.status == "rejected" and spared.version == 2
    with pytest.raises(Exception) as too_much:  # on the spot: at most 200 yuan for a citizen
        dispositions.propose_disposition(o1, inspection, "service_marks", {
            "kind": "simple", "penalty_kind": "fine", "penalty_fen": 20_100})
    assert too_much.value.code == "disposition.simple_not_allowed"
    again = dispositions.propose_disposition(o1, inspection, "service_marks", {
        "kind": "simple", "penalty_kind": "fine", "penalty_fen": 20_000})
    assert again.status == "proposed"

    with pytest.raises(Exception) as refused:
        dispositions.propose_disposition(o1, inspection, "order_matches", {"kind": "no_penalty",
                                                                           "ground_code": "made_up"})
    assert refused.value.code == "disposition.unknown_ground"
    with pytest.raises(Exception) as outsider:
        dispositions.propose_disposition(personas["officer3"], inspection, "order_matches", {"kind": "case"})
    assert outsider.value.code == "disposition.forbidden"
    db.session.commit()
    assert vouched_problems() == [], "direct rows have no entries of their own, the dispositions do"


def _signed(app, body: dict, secret="platform-key", timestamp=None):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return raw, {"Content-Type": "application/json", "X-FieldCase-Timestamp": timestamp,
                 "X-FieldCase-Signature": "sha256=" + payments.signature_for(secret, timestamp, raw)}


@pytest.fixture
def served_case(app, personas):
    """A case 3,500 kg over, decided at its benchmark 1,500 yuan and served on 2026-09-28
    (payment due 2026-10-13)."""
    app.config["PAYMENT_PLATFORM_SECRET"] = "platform-key"
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(2026, 9, 1),
                              computed={"excess_mass": 3500})
    dispositions.propose_disposition(supervisor, inspection, "within_limit", {"kind": "case"})
    case = db.session.query(Case).one()
    CaseWalk.by_service(case).steps([
        (supervisor, "approve_opening", {"on": date(2026, 9, 1)}),
        (o1, "notify", {"on": date(2026, 9, 10), "proposed_fine_fen": 150_000}),
        (o1, "record_statement", {"on": date(2026, 9, 11)}),
        (supervisor, "decide", {"on": date(2026, 9, 24), "fine_fen": 150_000}),
        (o1, "serve", {"on": date(2026, 9, 28)})])
    db.session.commit()
    return case


def test_the_platform_notice_is_signed_and_idempotent_by_reference(app, served_case):
    client = app.test_client()
    notice = {"case_number": served_case.number, "amount_fen": 150_000, "reference": "PF-1",
              "paid_on": "2026-10-09"}
    raw, headers = _signed(app, notice)
    first = client.post("/api/payments/notices", data=raw, headers=headers)
    assert first.status_code == 200 and first.get_json()["result"] == "created", first.get_json()
    again = client.post("/api/payments/notices", data=raw, headers=headers)
    assert again.get_json()["result"] == "duplicate"
    assert db.session.query(CasePayment).count() == 1

    other = dict(notice, amount_fen=1)
    raw, headers = _signed(app, other)
    assert client.post("/api/payments/notices", data=raw, headers=headers).get_json()["code"] == \
        "payment.reference_conflict"
    raw, headers = _signed(app, dict(notice, reference="PF-2"), secret="wrong")
    assert client.post("/api/payments/notices", data=raw, headers=headers).status_code == 401
    raw, headers = _signed(app, dict(notice, reference="PF-3"), timestamp=int(time.time()) - 3600)
    assert client.post("/api/payments/notices", data=raw, headers=headers).get_json()["code"] == \
        "payment.stale_timestamp"
    db.session.refresh(served_case)
    assert served_case.paid_fen == 150_000
    assert vouched_problems() == []


def test_late_fee_is_3_percent_a_day_never_more_than_the_fine(app, served_case):
    assert late_fee_fen(served_case, date(2026, 10, 13)) == 0       # the last day of the period
    assert late_fee_fen(served_case, date(2026, 10, 14)) == 4_500    # one day: 3 % of 1,500 yuan
    assert late_fee_fen(served_case, date(2026, 11, 15)) == 148_500  # 33 days: 99 %
    assert late_fee_fen(served_case, date(2026, 11, 16)) == 150_000  # 34 days: 102 %, capped
    assert late_fee_fen(served_case, date(2027, 6, 1)) == 150_000


def test_warnings_show_cases_near_or_past_a_deadline(app, personas, served_case):
    supervisor = personas["supervisor1"]
    near = monitor.case_warnings(supervisor, date(2026, 10, 9), warn_days=3)
    assert [(w["key"], w["due"], w["state"]) for w in near] == [("payment", date(2026, 10, 13), "near")]
    assert monitor.case_warnings(supervisor, date(2026, 10, 1), warn_days=3) == []
    late = monitor.case_warnings(supervisor, date(2026, 10, 14), warn_days=3)
    assert [(w["key"], w["state"]) for w in late] == [("payment", "overdue")]
    assert monitor.case_warnings(personas["officer3"], date(2026, 10, 14), warn_days=3) == []


def test_rates_of_a_known_history(app, personas, create_user):
    o1, o2, o3 = personas["officer1"], personas["officer2"], personas["officer3"]
    s1, s2 = personas["supervisor1"], create_user("supervisor2", roles=("supervisor",), team="B",
                                                   certificate=None)
    o4 = create_user("officer4", team="B")
    a = approved_row([o1, o2], o1.team_id, "taxi", 2, ["meter", "service_marks", "order_matches"],
                     date(2026, 9, 1))
    b = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(2026, 9, 15),
                     computed={"excess_mass": 500})
    c = approved_row([o3, o4], o3.team_id, "taxi", 2, ["meter", "driver_licence"], date(2026, 9, 20))
    approved_row([o3, o4], o3.team_id, "taxi", 2, ["meter"], date(2026, 10, 2))  # outside the period
    dispositions.propose_disposition(s1, a, "meter", {"kind": "correction", "correction_due": date(2199, 1, 1)})
    dispositions.propose_disposition(s1, a, "service_marks", {"kind": "no_penalty", "ground_code": "first_offence"})
    dispositions.propose_disposition(o1, a, "order_matches", {"kind": "case"})  # proposed only
    dispositions.propose_disposition(s1, b, "within_limit", {"kind": "case"})
    dispositions.propose_disposition(s2, c, "meter", {"kind": "case"})
    cases = {case.inspection_uuid: case for case in db.session.query(Case)}
    case_b, case_c = cases[b.uuid], cases[c.uuid]
    CaseWalk.by_service(case_c).step(s2, "approve_opening", on=date(2026, 9, 21))
    # case b: a warning (fine 0), decided, served, closed; case c stays open.
    CaseWalk.by_service(case_b).steps([
        (s1, "approve_opening", {"on": date(2026, 9, 16)}),
        (o1, "notify", {"on": date(2026, 9, 17), "proposed_fine_fen": 0}),
        (o1, "record_statement", {"on": date(2026, 9, 17)}),
        (s1, "decide", {"on": date(2026, 9, 18), "fine_fen": 0}),
        (o1, "serve", {"on": date(2026, 9, 18)}),
        (s1, "close", {"on": date(2026, 9, 18)})])
    db.session.commit()

    period = (date(2026, 9, 1), date(2026, 9, 30))
    [whole] = monitor.compute_rates(period)
    assert (whole["findings"], whole["handled"], whole["opened"], whole["closed"]) == (6, 3, 2, 1)
    assert whole["handling_rate"] == 0.5 and whole["closing_rate"] == 0.5
    teams = {r["label"]: (r["findings"], r["handled"], r["handling_rate"], r["opened"], r["closed"])
             for r in monitor.compute_rates(period, "team")}
    assert teams == {"执法A中队": (4, 2, 0.5, 1, 1), "执法B中队": (2, 1, 0.5, 1, 0)}
    officers = {r["label"]: (r["findings"], r["handled"], r["opened"], r["closed"])
                for r in monitor.compute_rates(period, "officer")}
    assert officers == {"officer1": (4, 2, 1, 1), "officer2": (4, 2, 1, 1),
                        "officer3": (2, 1, 1, 0), "officer4": (2, 1, 1, 0)}
    assert db.session.query(Disposition).count() == 5


def test_pending_findings_are_listed_oldest_first_with_their_age(app, personas):
    from server.cases.findings import pending_findings
    from server.review.models import ReviewAction
    from tests.cases.conftest import approved_on

    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    newer = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(2026, 9, 20), "浙F00002")
    older = approved_row([o1, o2], o1.team_id, "taxi", 2, ["meter", "service_marks"], date(2026, 9, 1))
    other_team = approved_row([personas["officer3"]], personas["officer3"].team_id, "taxi", 2, ["meter"],
                              date(2026, 9, 1))
    for inspection, day in ((newer, date(2026, 9, 21)), (older, date(2026, 9, 2)), (other_team, date(2026, 9, 2))):
        approved_on(inspection, supervisor, day)
    dispositions.propose_disposition(supervisor, older, "service_marks", {"kind": "case"})
    listed = pending_findings(supervisor, today=date(2026, 9, 30))
    assert [(f["subject_name"], f["item_id"], f["age_days"]) for f in listed] == [
        ("浙F00001", "meter", 28), ("浙F00002", "within_limit", 9)]
    assert db.session.query(ReviewAction).count() == 3


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_shown_not_guessed(app, personas):
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(2026, 11, 2),
                              computed={"excess_mass": 3500})
    dispositions.propose_disposition(supervisor, inspection, "within_limit", {"kind": "case"})
    case = db.session.query(Case).one()
    CaseWalk.by_service(case).step(supervisor, "approve_opening", on=date(2026, 11, 3))
    [warning] = monitor.case_warnings(supervisor, date(2026, 11, 4), warn_days=3)
    assert (warning["key"], warning["due"], warning["state"]) == ("decision", None, "unknown")
    assert warning["error"]["code"] == "calendar.year_unknown" and "2027" in warning["error"]["detail"]


def test_a_payment_period_in_an_unknown_year_never_blocks_reading_or_paying(app, personas):
    from server import workdays

    year = workdays.known_years()[0].year - 1  # before the calendar's first year: not known
    app.config["PAYMENT_PLATFORM_SECRET"] = "platform-key"
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(year, 5, 4),
                              computed={"excess_mass": 3500})
    dispositions.propose_disposition(supervisor, inspection, "within_limit", {"kind": "case"})
    case = db.session.query(Case).one()
    CaseWalk.by_service(case).steps((supervisor, action, {"on": date(year, 5, day)}) for action, day in (
        ("approve_opening", 4), ("notify", 5), ("record_statement", 5), ("decide", 8), ("serve", 8)))
    db.session.commit()
    client = app.test_client()
    client.login("supervisor1")
    shown = client.get(f"/api/cases/{case.id}").get_json()
    assert shown["owed_fen"] is None and shown["allowed"]["close"] == "calendar.year_unknown"
    assert {d["state"] for d in shown["deadlines"]} == {"done", "unknown"}
    payment = {"case_number": case.number, "amount_fen": 150_000, "reference": "PF-OLD",
               "paid_on": f"{year}-05-20"}
    raw, headers = _signed(app, payment)
    answer = client.post("/api/payments/notices", data=raw, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["paid_fen"] == 150_000, answer.get_json()


def test_a_fine_paid_within_its_15_days_closes_the_case_though_the_calendar_does_not_know_the_year(
        app, personas):
    """As a fine served late in December is paid in January before the next year's holidays
    are entered: the period ends on the 15th day or later (a rest day moves it later, never
    earlier), so a fine paid in full by then is paid in time, and the case closes. Paid after
    the 15 days, the calendar is needed. (Steps cannot be dated in the future, so the year not
    known here is the one before the calendar's first.)"""
    from server import workdays

    year = workdays.known_years()[0].year - 1
    app.config["PAYMENT_PLATFORM_SECRET"] = "platform-key"
    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    on_time, late = (approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(year, 5, 4),
                                  plate, computed={"excess_mass": 3500}) for plate in ("浙F00011", "浙F00012"))
    for inspection in (on_time, late):
        dispositions.propose_disposition(supervisor, inspection, "within_limit", {"kind": "case"})
    cases = {case.inspection_uuid: case for case in db.session.query(Case)}
    for case in cases.values():
        CaseWalk.by_service(case).steps((user, action, {"on": date(year, 5, day)}) for user, action, day in (
            (supervisor, "approve_opening", 4), (o1, "notify", 5), (o1, "record_statement", 5),
            (supervisor, "decide", 8), (o1, "serve", 8)))
    db.session.commit()
    client = app.test_client()
    client.login("supervisor1")
    for case, paid_on in ((cases[on_time.uuid], date(year, 5, 23)), (cases[late.uuid], date(year, 5, 24))):
        raw, headers = _signed(app, {"case_number": case.number, "amount_fen": 150_000,
                                     "reference": f"PF-{case.id}", "paid_on": paid_on.isoformat()})
        assert client.post("/api/payments/notices", data=raw, headers=headers).status_code == 200

    paid = client.get(f"/api/cases/{cases[on_time.uuid].id}").get_json()
    assert paid["owed_fen"] == 0 and paid["allowed"]["close"] is None, paid
    db.session.rollback()
    with write_intent():
        CaseWalk.by_service(cases[on_time.uuid]).step(supervisor, "close", on=date(year, 5, 25))
        db.session.commit()
    assert cases[on_time.uuid].status == "closed"
    # Paid on the 16th day: only the calendar knows whether the 15th was a rest day.
    after = client.get(f"/api/cases/{cases[late.uuid].id}").get_json()
    assert after["owed_fen"] is None and after["allowed"]["close"] == "calendar.year_unknown"


def test_a_day_within_a_period_s_nominal_length_needs_no_calendar():
    from server import workdays
    from server.cases.deadlines import _calendar, after_period

    # 5 working days from 2026-09-30: 国庆 1-7 Oct, Saturday 10 Oct worked, so the 13th.
    assert not after_period(date(2026, 10, 13), date(2026, 9, 30), 5)
    assert after_period(date(2026, 10, 14), date(2026, 9, 30), 5)
    # 15 calendar days from 2026-09-20 end on 5 Oct, a holiday: moved to the 8th.
    assert not after_period(date(2026, 10, 8), date(2026, 9, 20), 15, _calendar)
    assert after_period(date(2026, 10, 9), date(2026, 9, 20), 15, _calendar)
    # Into 2027, not known: up to start + 5 the day is within the period; after it, not known.
    assert not after_period(date(2027, 1, 4), date(2026, 12, 30), 5)
    with pytest.raises(workdays.CalendarYearUnknown):
        after_period(date(2027, 1, 5), date(2026, 12, 30), 5)


def test_an_approved_extension_moves_the_decision_deadline_at_most_30_days(app, personas):
    from server.cases.deadlines import case_deadlines
    from server.errors import ApiError

    supervisor, o1, o2 = personas["supervisor1"], personas["officer1"], personas["officer2"]
    inspection = approved_row([o1, o2], o1.team_id, "overload", 2, ["within_limit"], date(2026, 9, 1),
                              computed={"excess_mass": 3500})
    dispositions.propose_disposition(supervisor, inspection, "within_limit", {"kind": "case"})
    case = db.session.query(Case).one()
    walk = CaseWalk.by_service(case)
    walk.step(supervisor, "approve_opening", on=date(2026, 9, 1))

    def decision_due():
        return next(d["due"] for d in case_deadlines(case, date(2026, 9, 2), 3) if d["key"] == "decision")

    assert decision_due() == date(2026, 11, 30)
    with pytest.raises(ApiError) as officer:
        walk.step(o1, "extend", days=5)
    assert officer.value.code == "case.forbidden"
    walk.step(supervisor, "extend", days=20)
    assert decision_due() == date(2026, 12, 21)  # 2026-12-20 is a Sunday: the next working day
    with pytest.raises(ApiError) as too_long:
        walk.step(supervisor, "extend", days=11)
    assert too_long.value.code == "case.extension_too_long" and case.extension_days == 20
