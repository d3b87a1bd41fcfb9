"""Random inspection plans (抽查计划) and the tasks (检查任务) their draw gives.

A plan's life: `draft` → `approved` (a supervisor) → `committed` (secret seed drawn; its SHA-256
and the input lists' hashes published) → `drawn` (witness value entered, the draw run once, the
seed, sealed until then, revealed). `cancelled` (with a reason) at any point before `drawn`; a cancelled plan stays on
record. CHECK constraints tie each status to the columns it needs; migration 0011_draws adds
triggers that refuse any change to a drawn or cancelled plan, and to what was committed.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

PLAN_STATUSES = ("draft", "approved", "committed", "drawn", "cancelled")
STATUS_LABELS = {"draft": "草稿", "approved": "已批准", "committed": "已承诺种子", "drawn": "已抽取",
                 "cancelled": "已撤销"}
# action -> (statuses it acts on, status it leads to)
TRANSITIONS = {
    "approve": (("draft",), "approved"),
    "commit": (("approved",), "committed"),
    "draw": (("committed",), "drawn"),
    "cancel": (("draft", "approved", "committed"), "cancelled"),
}
TASK_STATUSES = ("open", "done")


class Plan(db.Model):
    __tablename__ = "random_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    form_id: Mapped[str] = mapped_column(sa.String(48), nullable=False)  # the 抽查事项 and its form
    supervision_items: Mapped[list] = mapped_column(JSONDocument, nullable=False)  # form ids
    categories: Mapped[list] = mapped_column(JSONDocument, nullable=False)  # target categories
    area_code: Mapped[str | None] = mapped_column(sa.String(12))  # prefix of 行政区划代码
    rules: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # algorithm's `rules`
    exclusion_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    period_start: Mapped[date] = mapped_column(sa.Date, nullable=False)
    period_end: Mapped[date] = mapped_column(sa.Date, nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))  # officers' team, if any
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="draft")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret seed: sealed (`sealed:v1:…`, sealing.py) from commitment to the draw, which
    # reveals it here as 64 hex digits; only its SHA-256 is public before. Migration 0027 refuses
    # an unsealed seed on a plan not drawn.
    seed: Mapped[str | None] = mapped_column(sa.String(100))
    seed_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    inputs: Mapped[dict | None] = mapped_column(JSONDocument)  # the five input lists, frozen
    inputs_sha256: Mapped[dict | None] = mapped_column(JSONDocument)
    commitment_digest: Mapped[str | None] = mapped_column(sa.String(64))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    witness_value: Mapped[str | None] = mapped_column(sa.String(200))
    final_seed: Mapped[str | None] = mapped_column(sa.String(64))
    result: Mapped[list | None] = mapped_column(JSONDocument)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)

    team = relationship("Team", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="ck_random_plans_status"),
        sa.CheckConstraint("period_end >= period_start", name="ck_random_plans_period"),
        sa.CheckConstraint("exclusion_days >= 0", name="ck_random_plans_exclusion_days"),
        sa.CheckConstraint("(approved_at IS NULL) = (approved_by_id IS NULL)",
                           name="ck_random_plans_approval"),
        sa.CheckConstraint("status NOT IN ('approved', 'committed', 'drawn') OR approved_at IS NOT NULL",
                           name="ck_random_plans_approved"),
        sa.CheckConstraint(
            "(committed_at IS NULL) = (seed_sha256 IS NULL) AND (committed_at IS NULL) = (seed IS NULL) "
            "AND (committed_at IS NULL) = (inputs IS NULL) AND (committed_at IS NULL) = "
            "(commitment_digest IS NULL) AND (committed_at IS NULL) = (inputs_sha256 IS NULL)",
            name="ck_random_plans_commitment"),
        sa.CheckConstraint("status NOT IN ('committed', 'drawn') OR committed_at IS NOT NULL",
                           name="ck_random_plans_committed"),
        sa.CheckConstraint(
            "(status = 'drawn') = (drawn_at IS NOT NULL) AND (drawn_at IS NULL) = (witness_value IS NULL) "
            "AND (drawn_at IS NULL) = (final_seed IS NULL) AND (drawn_at IS NULL) = (result IS NULL) "
            "AND (drawn_at IS NULL) = (drawn_by_id IS NULL)",
            name="ck_random_plans_drawn"),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL) "
            "AND (cancelled_at IS NULL) = (cancel_reason IS NULL)",
            name="ck_random_plans_cancelled"),
    )

    @property
    def number(self) -> str:
        return f"CJ-{self.created_at:%Y}-{self.id:04d}"


class Task(db.Model):
    """One drawn target to inspect (检查任务), for the pair of officers the draw sent."""

    __tablename__ = "plan_tasks"

    id: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("random_plans.id"), nullable=False, index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id"), nullable=False, index=True)
    form_id: Mapped[str] = mapped_column(sa.String(48), nullable=False)
    subject: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # as a record's subject
    officer1_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    officer2_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    inspection_uuid: Mapped[uuidlib.UUID | None] = mapped_column(sa.Uuid)  # the one that did it
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 一公开: the result as published (redacted once, then fixed), when and by whom.
    public_result: Mapped[dict | None] = mapped_column(JSONDocument)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    plan = relationship(Plan, lazy="joined")
    officer1 = relationship("User", foreign_keys=[officer1_id], lazy="joined")
    officer2 = relationship("User", foreign_keys=[officer2_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"status IN {TASK_STATUSES!r}", name="ck_plan_tasks_status"),
        sa.CheckConstraint("officer1_id <> officer2_id", name="ck_plan_tasks_two_officers"),
        sa.CheckConstraint("(status = 'done') = (inspection_uuid IS NOT NULL) "
                           "AND (status = 'done') = (done_at IS NOT NULL)",
                           name="ck_plan_tasks_done"),
        sa.CheckConstraint("(published_at IS NULL) = (public_result IS NULL) AND (published_at IS NULL) "
                           "= (published_by_id IS NULL) AND (published_at IS NULL OR status = 'done')",
                           name="ck_plan_tasks_published"),
        sa.UniqueConstraint("plan_id", "target_id", name="uq_plan_tasks_target"),
    )
