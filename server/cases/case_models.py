"""A general-procedure penalty case (一般程序), its steps and the payments received for it.

`cases` holds one row per case with its current state; every change of state is a `case_steps`
row (append-only) and an audit entry, in one transaction. The states, in order:

    proposed (立案审批) → investigating (调查取证) → notified (处罚前告知, 陈述申辩/听证 period)
    → [legal_review (法制审核) → reviewed] → decided (决定) → served (送达) → closed (结案)

plus `rejected` (不予立案). A major decision (重大执法决定) goes through legal review; an opinion
other than 同意 sends the case back to investigation. Each state's facts are CHECK constraints:
a case past a step has that step's date. `version` grows with every change (stale → 409).
Amounts are in fen (分), dates are the bureau's local dates.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

STATUSES = ("proposed", "investigating", "notified", "legal_review", "reviewed", "decided",
            "served", "closed", "rejected")
STATUS_LABELS = {"proposed": "立案审批中", "investigating": "调查取证", "notified": "已告知",
                 "legal_review": "法制审核中", "reviewed": "法制审核通过", "decided": "已作出决定",
                 "served": "已送达（执行中）", "closed": "已结案", "rejected": "不予立案"}
PARTY_KINDS = ("citizen", "organisation")
SERVICE_METHODS = ("direct", "left", "mail", "electronic", "announcement")
SERVICE_LABELS = {"direct": "直接送达", "left": "留置送达", "mail": "邮寄送达",
                  "electronic": "电子送达", "announcement": "公告送达"}
# action -> (statuses it acts on, status it leads to); None: the status stays.
TRANSITIONS = {
    "approve_opening": (("proposed",), "investigating"),
    "reject_opening": (("proposed",), "rejected"),
    "add_interview": (("investigating",), None),
    "link_evidence": (("investigating",), None),
    "extend": (("investigating", "notified", "legal_review", "reviewed"), None),
    "notify": (("investigating",), "notified"),
    "record_statement": (("notified",), None),
    "request_hearing": (("notified",), None),
    "record_hearing": (("notified",), None),
    "send_to_legal_review": (("notified",), "legal_review"),
    "legal_opinion": (("legal_review",), None),  # reviewed on 同意, investigating otherwise
    "decide": (("notified", "reviewed"), "decided"),
    "serve": (("decided",), "served"),
    "record_payment": (("served",), None),
    "close": (("served",), "closed"),
}
ACTIONS = tuple(TRANSITIONS)
ACTION_LABELS = {"open": "立案申请", "approve_opening": "批准立案", "reject_opening": "不予立案",
                 "add_interview": "询问笔录", "link_evidence": "关联证据", "extend": "延长办案期限",
                 "notify": "处罚前告知", "record_statement": "陈述申辩", "request_hearing": "申请听证",
                 "record_hearing": "听证笔录", "send_to_legal_review": "送法制审核",
                 "legal_opinion": "法制审核意见", "decide": "作出处罚决定", "serve": "送达",
                 "record_payment": "罚款缴纳", "close": "结案"}


def _after(states: tuple[str, ...], condition: str, name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{s}'" for s in states)
    return sa.CheckConstraint(f"status NOT IN ({listed}) OR ({condition})", name=name)


_OPENED = ("investigating", "notified", "legal_review", "reviewed", "decided", "served", "closed")
_NOTIFIED = ("notified", "legal_review", "reviewed", "decided", "served", "closed")
_DECIDED = ("decided", "served", "closed")
_SERVED = ("served", "closed")


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)  # 案号
    disposition_id: Mapped[int] = mapped_column(sa.ForeignKey("dispositions.id"), unique=True,
                                                nullable=False)
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.ForeignKey("inspections.uuid"),
                                                          nullable=False, index=True)
    item_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    violation_code: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    violation_title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    party_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    party_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, index=True)
    version: Mapped[int] = mapped_column(nullable=False, default=1)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # 立案: approved by the responsible person; the decision is due 90 days later (+ extensions).
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_on: Mapped[date | None] = mapped_column(sa.Date)
    extension_days: Mapped[int] = mapped_column(nullable=False, default=0)
    # 处罚前告知: the penalty proposed, the statement and hearing-request periods.
    notified_on: Mapped[date | None] = mapped_column(sa.Date)
    proposed_fine_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    hearing_eligible: Mapped[bool | None] = mapped_column(sa.Boolean)
    hearing_requested: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    hearing_held: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    statement_recorded: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    major_decision: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    legal_opinion: Mapped[str | None] = mapped_column(sa.String(16))
    # 决定
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    fine_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    party_present: Mapped[bool | None] = mapped_column(sa.Boolean)
    # 送达, then payment within 15 days
    served_on: Mapped[date | None] = mapped_column(sa.Date)
    service_method: Mapped[str | None] = mapped_column(sa.String(16))
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)

    team = relationship("Team", lazy="joined")
    steps: Mapped[list[CaseStep]] = relationship(back_populates="case", lazy="selectin",
                                                 order_by="CaseStep.id")

    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_cases_status"),
        sa.CheckConstraint(f"party_kind IN {PARTY_KINDS!r}", name="ck_cases_party_kind"),
        sa.CheckConstraint("version >= 1", name="ck_cases_version"),
        sa.CheckConstraint("extension_days >= 0", name="ck_cases_extension"),
        sa.CheckConstraint("paid_fen >= 0", name="ck_cases_paid"),
        sa.CheckConstraint("(opened_by_id IS NULL) = (opened_on IS NULL)", name="ck_cases_opened"),
        _after(_OPENED, "opened_on IS NOT NULL", "ck_cases_opened_state"),
        _after(_NOTIFIED, "notified_on IS NOT NULL AND proposed_fine_fen IS NOT NULL "
               "AND hearing_eligible IS NOT NULL", "ck_cases_notified_state"),
        _after(("legal_review", "reviewed"), "major_decision", "ck_cases_legal_review_major"),
        _after(("reviewed",), "legal_opinion = 'agree'", "ck_cases_reviewed"),
        _after(_DECIDED, "decided_on IS NOT NULL AND fine_fen IS NOT NULL AND party_present IS NOT NULL "
               "AND decided_by_id IS NOT NULL AND (NOT major_decision OR legal_opinion = 'agree')",
               "ck_cases_decided_state"),
        _after(_SERVED, f"served_on IS NOT NULL AND service_method IN {SERVICE_METHODS!r}",
               "ck_cases_served_state"),
        _after(("closed",), "closed_on IS NOT NULL AND paid_fen >= fine_fen", "ck_cases_closed_state"),
        sa.CheckConstraint("legal_opinion IS NULL OR legal_opinion IN ('agree', 'disagree', 'more_evidence')",
                           name="ck_cases_legal_opinion"),
        sa.CheckConstraint("NOT hearing_requested OR hearing_eligible", name="ck_cases_hearing"),
    )


class CaseStep(db.Model):
    """One action on a case (append-only), with what it recorded, beside its audit entry."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    details: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, unique=True)

    case: Mapped[Case] = relationship(back_populates="steps")
    actor = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"action IN {('open', *ACTIONS)!r}", name="ck_case_steps_action"),
        sa.CheckConstraint(f"to_status IN {STATUSES!r}", name="ck_case_steps_to_status"),
        sa.CheckConstraint("(action = 'open') = (from_status IS NULL)", name="ck_case_steps_open"),
    )


class CasePayment(db.Model):
    """A payment notice from the bank (or the provincial payment platform), as it came."""

    __tablename__ = "case_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    paid_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, unique=True)

    entered_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="ck_case_payments_amount"),
        sa.CheckConstraint("source IN ('desk', 'platform')", name="ck_case_payments_source"),
        sa.CheckConstraint("(source = 'desk') = (entered_by_id IS NOT NULL)",
                           name="ck_case_payments_entered_by"),
    )
