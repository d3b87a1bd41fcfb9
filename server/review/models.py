"""Review decisions: one row per action taken on one revision, beside its audit entry.

`in_review` means "sent to legal review, waiting for the legal reviewer's opinion" (法制审核中).
A supervisor decides on a `complete` revision: approve it, return it to the officer, or mark it a
major decision (重大执法决定) and send it to legal review. The legal reviewer's opinion puts the
revision back before the supervisor (`complete`, opinion attached); a major decision can only be
approved once the opinion is 同意. The allowed (action, from, to) triples are a CHECK constraint.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

# action -> (status it acts on, status it leads to)
TRANSITIONS = {
    "approve": ("complete", "approved"),
    "return": ("complete", "returned"),
    "send_to_legal_review": ("complete", "in_review"),
    "legal_opinion": ("in_review", "complete"),
}
ACTIONS = tuple(TRANSITIONS)
# The statutory points a legal reviewer checks (《重大执法决定法制审核办法》 style checklist).
CHECKLIST = {
    "legal_basis_cited": "执法依据引用正确",
    "facts_clear": "事实清楚",
    "evidence_sufficient": "证据确凿充分",
    "procedure_followed": "程序合法",
    "discretion_appropriate": "裁量适当",
}
OPINION_LABELS = {"agree": "同意", "disagree": "不同意", "more_evidence": "补充材料"}
ACTION_LABELS = {"approve": "审核通过", "return": "退回更正", "send_to_legal_review": "送法制审核",
                 "legal_opinion": "法制审核意见"}


def _transitions_sql() -> str:
    return " OR ".join(f"(action = '{a}' AND from_status = '{f}' AND to_status = '{t}')"
                       for a, (f, t) in TRANSITIONS.items())


class ReviewAction(db.Model):
    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The revision acted on, and its inspection's identity across revisions.
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(
        sa.ForeignKey("inspections.uuid"), nullable=False, index=True)
    root_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False, index=True)
    action: Mapped[str] = mapped_column(sa.String(24), nullable=False)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    from_status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    to_status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    # Return: the overall comment; legal review: the major-decision reason; opinion: its text.
    comment: Mapped[str | None] = mapped_column(sa.Text)
    item_comments: Mapped[dict | None] = mapped_column(JSONDocument)  # return: {item id: text}
    opinion: Mapped[str | None] = mapped_column(sa.String(16))
    checklist: Mapped[dict | None] = mapped_column(JSONDocument)  # opinion: {point: true/false}
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # its audit entry

    actor = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(_transitions_sql(), name="ck_review_actions_transition"),
        sa.CheckConstraint("(action = 'legal_opinion') = (opinion IS NOT NULL)",
                           name="ck_review_actions_opinion"),
        sa.CheckConstraint("(action = 'legal_opinion') = (checklist IS NOT NULL)",
                           name="ck_review_actions_checklist"),
        sa.CheckConstraint("opinion IS NULL OR opinion IN ('agree', 'disagree', 'more_evidence')",
                           name="ck_review_actions_opinion_value"),
        sa.CheckConstraint("action NOT IN ('return', 'send_to_legal_review') OR comment IS NOT NULL",
                           name="ck_review_actions_comment"),
        sa.CheckConstraint("action = 'return' OR item_comments IS NULL",
                           name="ck_review_actions_item_comments"),
    )
