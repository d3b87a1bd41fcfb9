"""Early warnings from the known history (tests/oversight/history.py): raised once for the same
facts, by the CLI and on demand; each links to its records; supervisors acknowledge their team's
(audited, who and when), once; the evidence-flag rule against a real upload history."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server import workdays
from server.audit.models import AuditEntry
from server.clock import utcnow
from server.extensions import db
from server.oversight import rules
from server.oversight.warnings import scan_warnings
from tests.factories import overload_record
from tests.oversight.history import build_history
from tests.review.conftest import sync_and_upload


@pytest.fixture
def history(app):
    return build_history(app)


def listed(app, username, state="open"):
    client = app.test_client()
    client.login(username)
    answer = client.get("/api/oversight/warnings", query_string={"state": state})
    return answer


def test_warnings_are_raised_once_for_the_same_facts(app, history, runner):
    first = runner.invoke(args=["oversight", "scan"])
    assert first.exit_code == 0, first.output
    assert first.output.strip().endswith("6 new warning(s)")
    assert runner.invoke(args=["oversight", "scan"]).output.strip() == "0 new warning(s)"
    # A day later the six records synced without their files are 24 hours incomplete.
    tomorrow = scan_warnings(None, now=utcnow() + timedelta(hours=25))
    db.session.commit()
    assert Counter(w.kind for w in tomorrow) == {"evidence_missing": 6}
    assert scan_warnings(None, now=utcnow() + timedelta(hours=26)) == []

    admin = listed(app, "admin").get_json()
    assert admin["open"] == 12
    assert Counter(w["kind"] for w in admin["warnings"]) == {
        "evidence_missing": 6, "training_pace": 2, "no_handheld": 2, "repeat_findings": 1, "certificate_expiring": 1}
    repeat = next(w for w in admin["warnings"] if w["kind"] == "repeat_findings")
    assert [link["id"] for link in repeat["links"]] == [history["uuids"]["a2"], history["uuids"]["a3"]]
    assert repeat["team"] == "执法A中队" and "浙F00002" in repeat["title"]
    expiring = next(w for w in admin["warnings"] if w["kind"] == "certificate_expiring")
    assert expiring["officer"] == "officer4" and "还剩 20 天" in expiring["detail"]
    assert {w["officer"] for w in admin["warnings"] if w["kind"] == "training_pace"} == {"officer4", "officer5"}
    raised = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "oversight.warning_raised")).scalar_one()
    assert raised == 12
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_supervisor_acknowledges_their_teams_warning_once(app, history, runner):
    scan_warnings(None, now=utcnow() + timedelta(hours=25))
    db.session.commit()
    mine = listed(app, "supervisor1").get_json()
    assert mine["open"] == 6 and {w["team"] for w in mine["warnings"]} == {"执法A中队"}
    theirs = listed(app, "supervisor2").get_json()["warnings"]
    repeat = next(w for w in mine["warnings"] if w["kind"] == "repeat_findings")

    supervisor = app.test_client()
    supervisor.login("supervisor1")
    done = supervisor.post(f"/api/oversight/warnings/{repeat['id']}/acknowledge", json={"comment": "已安排复查"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["acknowledged_by"] == "supervisor1" and done.get_json()["acknowledged_at"]
    again = supervisor.post(f"/api/oversight/warnings/{repeat['id']}/acknowledge", json={})
    assert again.status_code == 409 and again.get_json()["code"] == "oversight.already_acknowledged"
    foreign = supervisor.post(f"/api/oversight/warnings/{theirs[0]['id']}/acknowledge", json={})
    assert foreign.status_code == 403 and foreign.get_json()["code"] == "oversight.not_your_team"
    assert listed(app, "supervisor1").get_json()["open"] == 5
    acknowledged = listed(app, "supervisor1", "acknowledged").get_json()["warnings"]
    assert [(w["id"], w["acknowledge_comment"]) for w in acknowledged] == [(repeat["id"], "已安排复查")]
    assert listed(app, "officer1").status_code == 403
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "oversight.warning_acknowledged")).scalar_one()
    assert (entry.actor_username, entry.object_id) == ("supervisor1", str(repeat["id"]))

    # The stored acknowledgement cannot be changed behind the log's back, and verify sees it.
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE oversight_warnings SET acknowledge_comment = 'x' WHERE id = :id"),
                           {"id": repeat["id"]})
    db.session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_the_binomial_tail_is_exact():
    # P(X >= 3), X ~ B(10, 0.1) = 1 - (0.9^10 + 10·0.1·0.9^9 + 45·0.01·0.9^8)
    assert rules.binomial_upper_tail(3, 10, 0.1) == pytest.approx(0.0701908264, abs=1e-10)
    assert rules.binomial_upper_tail(0, 5, 0.3) == pytest.approx(1.0)


def test_an_officer_whose_evidence_is_flagged_far_more_often_is_warned_about(app, login_as, personas):
    officer1, officer2 = login_as("officer1"), login_as("officer2")
    for plate in ("浙F10001", "浙F10002"):
        record = overload_record(("officer1", "officer2"), plate=plate)
        photos = [e["uuid"] for e in record["evidence"] if e["media_type"] == "image/jpeg"]
        sync_and_upload(officer1, record, misplaced=photos)  # 4 photos of 7 files flagged, each time
    for plate in ("浙F20001", "浙F20002"):
        sync_and_upload(officer2, overload_record(("officer2", "officer1"), plate=plate))
    raised = scan_warnings(None)
    db.session.commit()
    flagged = [w for w in raised if w.kind == "evidence_flags"]
    assert [w.officer.username for w in flagged] == ["officer1"]
    assert "14 个，其中 8 个有异常标记" in flagged[0].detail and "0/14" in flagged[0].detail
    assert len([link for link in flagged[0].links if link["type"] == "inspection"]) == 2


def test_a_case_past_its_payment_deadline_is_warned_about_and_acknowledged(app):
    """The bureau-wide scan asks the cases module for every open case's deadlines (no user
    needed): case CB (team B) was served on M1-13 and not paid, so its 15-day payment period is
    past; the closed case CA raises nothing. team B's supervisor sees and acknowledges it."""
    from tests.oversight.history import build_case_history, months

    history = build_case_history(app)
    raised = [w for w in scan_warnings(None) if w.kind == "case_deadline"]
    db.session.commit()
    m1 = months()[1]
    # served on M1-13: 15 calendar days, moved to the next working day if the last is a rest day
    due = workdays.add_calendar_days_with_holiday_extension(m1 + timedelta(days=12), 15).isoformat()
    [warning] = raised
    assert warning.links == [{"type": "case", "id": history["cases"]["b1"], "label": warning.links[0]["label"]}]
    assert "缴纳罚款已超期" in warning.title and "浙F00004" in warning.detail
    assert warning.team.name == "执法B中队"
    assert [w.kind for w in scan_warnings(None) if w.kind == "case_deadline"] == []  # the same facts: once
    db.session.commit()

    assert [w["kind"] for w in listed(app, "supervisor1").get_json()["warnings"]
            if w["kind"] == "case_deadline"] == []
    mine = [w for w in listed(app, "supervisor2").get_json()["warnings"] if w["kind"] == "case_deadline"]
    assert [w["id"] for w in mine] == [warning.id] and mine[0]["kind_label"] == "案件期限临近或超期"
    supervisor = app.test_client()
    supervisor.login("supervisor2")
    done = supervisor.post(f"/api/oversight/warnings/{warning.id}/acknowledge", json={"comment": "已催缴"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["acknowledged_by"] == "supervisor2"
    assert f"期限 {due}" in warning.detail
