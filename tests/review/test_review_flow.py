"""A supervisor returns a record with comments, the officer amends it, a major decision goes
through legal review and is approved; stale and out-of-order decisions are refused; every
decision is an audit entry; the database refuses states that skip the rules."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from server.inspections.models import Inspection
from server.review.models import CHECKLIST, ReviewAction

from .conftest import sync_and_upload

ALL_CHECKED = {point: True for point in CHECKLIST}


def act(client, uuid_, action, **body):
    return client.post(f"/api/inspections/{uuid_}/review/{action}", json=body)


def audit_actions(root: str) -> list[str]:
    return [e.action for e in db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action.like("review.%")).order_by(AuditEntry.seq)).scalars()]


def test_return_amend_legal_review_approve(login_as, submitted):
    first = submitted()
    supervisor, officer, reviewer = login_as("supervisor1"), login_as("officer1"), login_as("reviewer1")
    state = supervisor.get(f"/api/inspections/{first['uuid']}/review").get_json()
    assert state["items"][0]["id"] == "within_limit" and state["items"][0]["result"] == "fail"  # failed first
    assert state["items"][0]["violation"]["code"] == "overload.gross_mass"
    assert state["allowed"] == {"approve": None, "return": None, "send_to_legal_review": None,
                                "legal_opinion": "review.not_legal_reviewer"}

    r = act(supervisor, first["uuid"], "return", expected_status="complete", comment="称重单照片不清晰，请补拍。",
            item_comments={"weighing_ticket": "照片模糊，看不清总质量。", "plate": ""})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "returned"
    shown = officer.get(f"/api/inspections/{first['uuid']}").get_json()
    assert shown["return_comment"] == "称重单照片不清晰，请补拍。"
    assert shown["return_item_comments"] == {"weighing_ticket": "照片模糊，看不清总质量。"}
    # Returned once: a second return (or an approval) of the same revision is refused.
    again = act(supervisor, first["uuid"], "approve", expected_status="complete")
    assert (again.status_code, again.get_json()["code"]) == (409, "review.stale_status")
    assert again.get_json()["current_status"] == "returned"

    from .conftest import failing_overload_record
    amendment = failing_overload_record()
    amendment.update(replaces=first["uuid"], amendment_reason="补拍称重单。")
    second = sync_and_upload(officer, amendment)
    assert second["revision"] == 2 and second["status"] == "complete"
    stale = act(supervisor, first["uuid"], "return", expected_status="returned", comment="x")
    assert (stale.status_code, stale.get_json()["code"]) == (409, "review.stale_revision")

    sent = act(supervisor, second["uuid"], "legal-review", expected_status="complete",
               reason="拟处罚款 1000 元以上，属重大执法决定。")
    assert sent.status_code == 200 and sent.get_json()["status"] == "in_review"
    legal = sent.get_json()["legal_review"]
    assert legal["reason"].startswith("拟处罚款") and legal["opinion"] is None and not legal["overdue"]
    early = act(supervisor, second["uuid"], "approve", expected_status="in_review")
    assert (early.status_code, early.get_json()["code"]) == (409, "review.invalid_transition")

    listed = reviewer.get("/api/review/queue?status=in_review").get_json()
    assert [i["uuid"] for i in listed["items"]] == [second["uuid"]]
    carried = second["evidence"][0]["uuid"]  # a file of revision 1, carried over by the amendment
    assert reviewer.get(f"/api/evidence/{carried}/thumbnail").status_code == 200
    assert reviewer.get(f"/api/inspections/{first['uuid']}").status_code == 200  # the history too
    half = act(reviewer, second["uuid"], "legal-opinion", expected_status="in_review", opinion="agree",
               checklist={**ALL_CHECKED, "discretion_appropriate": False})
    assert (half.status_code, half.get_json()["code"]) == (422, "review.checklist_incomplete")
    agreed = act(reviewer, second["uuid"], "legal-opinion", expected_status="in_review", opinion="agree",
                 checklist=ALL_CHECKED, comment="同意。")
    assert agreed.status_code == 200 and agreed.get_json()["status"] == "complete"
    assert agreed.get_json()["legal_review"]["opinion_label"] == "同意"

    approved = act(supervisor, second["uuid"], "approve", expected_status="complete")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    history = approved.get_json()["actions"]
    assert [(a["action"], a["inspection_uuid"]) for a in history] == [
        ("return", first["uuid"]), ("send_to_legal_review", second["uuid"]),
        ("legal_opinion", second["uuid"]), ("approve", second["uuid"])]
    assert audit_actions(first["root_uuid"]) == [
        "review.return", "review.send_to_legal_review", "review.legal_opinion", "review.approve"]
    events = {e["action"] for e in approved.get_json()["events"]}
    assert {"inspection.submitted", "evidence.received", "review.return", "review.approve"} <= events
    rows = db.session.execute(sa.select(ReviewAction)).scalars().all()
    seqs = {e.seq for e in db.session.execute(sa.select(AuditEntry)).scalars()}
    assert all(row.audit_seq in seqs for row in rows)


def test_disagreement_goes_back_and_a_major_decision_stays_major(login_as, submitted):
    record = submitted()
    supervisor, reviewer = login_as("supervisor1"), login_as("reviewer1")
    act(supervisor, record["uuid"], "legal-review", expected_status="complete", reason="重大。")
    no_reason = act(reviewer, record["uuid"], "legal-opinion", expected_status="in_review",
                    opinion="more_evidence", checklist={})
    assert (no_reason.status_code, no_reason.get_json()["code"]) == (422, "review.comment_required")
    r = act(reviewer, record["uuid"], "legal-opinion", expected_status="in_review", opinion="more_evidence",
            checklist={"legal_basis_cited": True}, comment="补充当事人询问笔录。")
    assert r.get_json()["status"] == "complete"
    refused = act(supervisor, record["uuid"], "approve", expected_status="complete")
    assert (refused.status_code, refused.get_json()["code"]) == (409, "review.legal_opinion_required")
    assert act(supervisor, record["uuid"], "return", expected_status="complete",
               comment="按法制审核意见补充材料。").status_code == 200

    from .conftest import failing_overload_record
    amendment = failing_overload_record()
    amendment.update(replaces=record["uuid"], amendment_reason="补充询问笔录。")
    second = sync_and_upload(login_as("officer1"), amendment)
    direct = act(supervisor, second["uuid"], "approve", expected_status="complete")
    assert (direct.status_code, direct.get_json()["code"]) == (409, "review.legal_review_required")


def test_validation_of_actions(login_as, submitted):
    record = submitted()
    supervisor = login_as("supervisor1")
    assert act(supervisor, record["uuid"], "return", expected_status="complete").status_code == 422
    assert act(supervisor, record["uuid"], "approve").status_code == 422  # expected_status required
    unknown = act(supervisor, record["uuid"], "return", expected_status="complete", comment="x",
                  item_comments={"no_such_item": "?"})
    assert (unknown.status_code, unknown.get_json()["code"]) == (422, "review.unknown_item")
    assert act(supervisor, uuid.uuid4(), "approve", expected_status="complete").status_code == 404


def test_the_database_refuses_states_that_skip_the_rules(submitted):
    record = submitted()
    target = sa.update(Inspection).where(Inspection.uuid == uuid.UUID(record["uuid"]))
    for values in ({"status": "returned"},  # returned without a comment
                   {"status": "in_review"},  # in review without being sent to legal review
                   {"legal_review_requested_at": sa.func.now()},  # sent without reason or deadline
                   {"legal_opinion": "agree"}):  # an opinion on something never sent
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.execute(target.values(**values))
    row = dict(inspection_uuid=uuid.UUID(record["uuid"]), root_uuid=uuid.UUID(record["uuid"]),
               actor_id=1, acted_at=sa.func.now(), audit_seq=1)
    for bad in (dict(action="approve", from_status="in_review", to_status="approved"),
                dict(action="approve", from_status="complete", to_status="returned"),
                dict(action="legal_opinion", from_status="in_review", to_status="complete"),  # no opinion
                dict(action="return", from_status="complete", to_status="returned")):  # no comment
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.execute(sa.insert(ReviewAction).values(**row, **bad))
