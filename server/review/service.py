"""Review actions: approve, return to the officer, send to legal review, give the legal opinion.

Each action is taken on one revision that the actor has loaded: the request names the revision
(its UUID) and the status the actor saw; a newer revision or another status answers 409, so a
decision is never taken on something the actor did not see. Each action changes the status with
a conditional UPDATE, writes a `review_actions` row and an audit event, in the request's single
transaction. See models.py for what each status means.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from .models import CHECKLIST, TRANSITIONS, ReviewAction


def is_participant(user: User, inspection: Inspection) -> bool:
    """True when `user` took part in the inspection (any of its revisions)."""
    return user.id == inspection.submitted_by_id or any(o.user_id == user.id for o in inspection.officers)


def refusal(user: User, inspection: Inspection, action: str) -> str | None:
    """The error code that keeps `user` from taking `action` on `inspection` (None: allowed).

    Supervisors act on their team's records, legal reviewers give opinions; an admin acts only
    through one of those roles; nobody reviews an inspection they took part in.
    """
    if action == "legal_opinion":
        if not user.has_role("legal_reviewer"):
            return "review.not_legal_reviewer"
    elif not (user.has_role("supervisor") and user.team_id is not None
              and user.team_id == inspection.team_id):
        return "review.not_supervisor"
    if is_participant(user, inspection):
        return "review.own_work"
    latest = db.session.execute(sa.select(sa.func.max(Inspection.revision)).where(
        Inspection.root_uuid == inspection.root_uuid)).scalar()
    if latest != inspection.revision:
        return "review.stale_revision"
    if inspection.status != TRANSITIONS[action][0]:
        return "review.invalid_transition"
    return _rule_refusal(inspection, action)


def _rule_refusal(inspection: Inspection, action: str) -> str | None:
    if action == "send_to_legal_review" and inspection.legal_review_requested_at is not None:
        return "review.already_sent"
    if action == "approve":
        if inspection.legal_review_requested_at is not None:
            return None if inspection.legal_opinion == "agree" else "review.legal_opinion_required"
        if _was_major_decision(inspection):
            return "review.legal_review_required"
    return None


def _was_major_decision(inspection: Inspection) -> bool:
    """A revision of this inspection was sent to legal review: it stays a major decision."""
    return db.session.execute(sa.select(Inspection.uuid).where(
        Inspection.root_uuid == inspection.root_uuid,
        Inspection.legal_review_requested_at.is_not(None)).limit(1)).first() is not None


def allowed_actions(user: User, inspection: Inspection) -> dict[str, str | None]:
    """For each action: None if `user` may take it now, else the code saying why not."""
    return {action: refusal(user, inspection, action) for action in TRANSITIONS}


def _act(user: User, inspection: Inspection, action: str, expected_status: str, *,
         values: dict, event: dict, row: dict) -> ReviewAction:
    code = refusal(user, inspection, action)
    if code in ("review.not_supervisor", "review.not_legal_reviewer", "review.own_work"):
        raise ApiError(code)
    if code == "review.stale_revision":
        raise ApiError(code, current_status=inspection.status)
    if inspection.status != expected_status:
        raise ApiError("review.stale_status", current_status=inspection.status)
    if code:
        raise ApiError(code, current_status=inspection.status)
    from_status, to_status = TRANSITIONS[action]
    # Conditional on the status read above: a concurrent decision makes this one a conflict.
    changed = db.session.execute(
        sa.update(Inspection).where(Inspection.uuid == inspection.uuid,
                                    Inspection.status == from_status)
        .values(status=to_status, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("review.stale_status")
    db.session.refresh(inspection)
    entry = record_event(f"review.{action}", actor=user, object_type="inspection",
                         object_id=inspection.uuid, details={
                             "revision": inspection.revision, "root": str(inspection.root_uuid),
                             "from": from_status, "to": to_status,
                             "content_hash": inspection.content_hash, **event},
                         sequenced=True)  # the decision names its entry's seq
    review = ReviewAction(inspection_uuid=inspection.uuid, root_uuid=inspection.root_uuid,
                          action=action, actor_id=user.id, acted_at=entry.recorded_at,
                          from_status=from_status, to_status=to_status, audit_seq=entry.seq, **row)
    db.session.add(review)
    db.session.flush()
    return review


def approve(user: User, inspection: Inspection, expected_status: str,
            comment: str | None = None) -> ReviewAction:
    """The supervisor approves the revision (a major decision only after legal review agreed)."""
    return _act(user, inspection, "approve", expected_status, values={},
                event={"comment": comment}, row={"comment": comment})


def return_to_officer(user: User, inspection: Inspection, expected_status: str, comment: str,
                      item_comments: dict[str, str], known_items: set[str] | None) -> ReviewAction:
    """Send the revision back to its officers with a comment, overall and per item; they answer
    with an amendment (a new revision)."""
    item_comments = {k: v.strip() for k, v in item_comments.items() if v and v.strip()}
    unknown = sorted(set(item_comments) - known_items) if known_items is not None else []
    if unknown:
        raise ApiError("review.unknown_item", errors={"item_comments": [f"没有检查项 {i}。" for i in unknown]})
    return _act(user, inspection, "return", expected_status,
                values={"return_comment": comment, "return_item_comments": item_comments or None},
                event={"comment": comment, "item_comments": item_comments},
                row={"comment": comment, "item_comments": item_comments or None})


def send_to_legal_review(user: User, inspection: Inspection, expected_status: str,
                         reason: str) -> ReviewAction:
    """Mark the revision a major decision (重大执法决定) and send it to legal review, with the
    reason; the opinion is due LEGAL_REVIEW_DAYS later."""
    now = utcnow()
    due = now + timedelta(days=current_app.config["LEGAL_REVIEW_DAYS"])
    return _act(user, inspection, "send_to_legal_review", expected_status,
                values={"legal_review_requested_at": now, "legal_review_due_at": due,
                        "major_decision_reason": reason},
                event={"reason": reason, "due_at": due.isoformat()}, row={"comment": reason})


def give_legal_opinion(user: User, inspection: Inspection, expected_status: str, opinion: str,
                       checklist: dict[str, bool], comment: str | None) -> ReviewAction:
    """The legal reviewer's opinion (同意 / 不同意 / 补充材料) with the statutory checklist; the
    revision goes back to the supervisor with it."""
    if opinion == "agree" and not all(checklist.get(point) for point in CHECKLIST):
        raise ApiError("review.checklist_incomplete", errors={
            "checklist": [f"未确认：{label}" for point, label in CHECKLIST.items() if not checklist.get(point)]})
    if opinion != "agree" and not (comment or "").strip():
        raise ApiError("review.comment_required", errors={"comment": ["不同意或要求补充材料时须写明理由。"]})
    checklist = {point: bool(checklist.get(point)) for point in CHECKLIST}
    return _act(user, inspection, "legal_opinion", expected_status, values={"legal_opinion": opinion},
                event={"opinion": opinion, "checklist": checklist, "comment": comment},
                row={"opinion": opinion, "checklist": checklist, "comment": comment})


def review_history(inspection: Inspection) -> list[ReviewAction]:
    """Every review action on any revision of the inspection, oldest first."""
    return list(db.session.execute(
        sa.select(ReviewAction).where(ReviewAction.root_uuid == inspection.root_uuid)
        .order_by(ReviewAction.id)).scalars())
