"""Dispositions of findings (处置) and the follow-up inspection tasks a correction order leaves.

A finding is a check item answered 不符合 in an approved inspection: (inspection, item). It is not
stored on its own (the approved record holds it); its disposition is. A disposition is proposed
by an officer (`proposed`) and confirmed or rejected by the team's supervisor, or decided by the
supervisor at once (`confirmed`). A rejected proposal leaves the finding without a disposition,
so at most one disposition per finding is not `rejected` (a partial unique index). Every change
bumps `version`: a request names the version it saw, another answers 409.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db

# 责令改正, 简易程序, 立案, 不予处罚
KINDS = ("correction", "simple", "case", "no_penalty")
KIND_LABELS = {"correction": "责令改正", "simple": "简易程序", "case": "立案",
               "no_penalty": "不予处罚"}
# The dispositions that act on a finding (查处率's numerator); 不予处罚 closes it without acting.
ACTING_KINDS = ("correction", "simple", "case")
STATUSES = ("proposed", "confirmed", "rejected")
STATUS_LABELS = {"proposed": "待确认", "confirmed": "已确定", "rejected": "已驳回"}
PENALTY_KINDS = ("warning", "fine")


class Disposition(db.Model):
    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(
        sa.ForeignKey("inspections.uuid"), nullable=False, index=True)
    item_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    violation_code: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    version: Mapped[int] = mapped_column(nullable=False, default=1)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # 责令改正: the day the correction is due (a follow-up task checks it).
    correction_due: Mapped[date | None] = mapped_column(sa.Date)
    # 不予处罚: the ground's code (the no-penalty list, discretion/) and its text as cited then.
    ground_code: Mapped[str | None] = mapped_column(sa.String(64))
    ground_text: Mapped[str | None] = mapped_column(sa.Text)
    # 简易程序: a warning or a fine (in fen), decided on the spot and recorded here.
    penalty_kind: Mapped[str | None] = mapped_column(sa.String(16))
    penalty_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)

    proposed_by = relationship("User", lazy="joined", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", lazy="joined", foreign_keys=[decided_by_id])

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="ck_dispositions_kind"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_dispositions_status"),
        sa.CheckConstraint("version >= 1", name="ck_dispositions_version"),
        sa.CheckConstraint("(status = 'proposed') = (decided_by_id IS NULL)",
                           name="ck_dispositions_decided_by"),
        sa.CheckConstraint("(decided_by_id IS NULL) = (decided_at IS NULL)",
                           name="ck_dispositions_decided_at"),
        sa.CheckConstraint("(status = 'rejected') = (rejection_reason IS NOT NULL)",
                           name="ck_dispositions_rejection"),
        sa.CheckConstraint("(kind = 'correction') = (correction_due IS NOT NULL)",
                           name="ck_dispositions_correction_due"),
        sa.CheckConstraint("(kind = 'no_penalty') = (ground_code IS NOT NULL AND ground_text IS NOT NULL)",
                           name="ck_dispositions_ground"),
        sa.CheckConstraint(f"(kind = 'simple') = (penalty_kind IN {PENALTY_KINDS!r})",
                           name="ck_dispositions_penalty_kind"),
        sa.CheckConstraint("(penalty_kind = 'fine') = (penalty_fen IS NOT NULL AND penalty_fen > 0)",
                           name="ck_dispositions_penalty"),
        sa.Index("uq_dispositions_finding", "inspection_uuid", "item_id", unique=True,
                 sqlite_where=sa.text("status <> 'rejected'"),
                 postgresql_where=sa.text("status <> 'rejected'")),
    )


class FollowUpTask(db.Model):
    """A follow-up inspection (复查) a correction order leaves: whom to inspect again, with which
    form, by when. The team's officers see it in the phone's task list and complete it with the
    inspection they synced for it (server/draws/follow_ups.py)."""

    __tablename__ = "follow_up_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    disposition_id: Mapped[int] = mapped_column(sa.ForeignKey("dispositions.id"), unique=True,
                                                nullable=False)
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.ForeignKey("inspections.uuid"),
                                                          nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    form_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    subject_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    subject_code: Mapped[str | None] = mapped_column(sa.String(64))
    item_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Completed from the phone's task list (server/draws/follow_ups.py, migration 0023_tasks).
    done_inspection_uuid: Mapped[uuidlib.UUID | None] = mapped_column(sa.ForeignKey("inspections.uuid"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name="ck_follow_up_tasks_status"),
        sa.CheckConstraint("(status = 'done') = (done_inspection_uuid IS NOT NULL) "
                           "AND (done_inspection_uuid IS NULL) = (done_at IS NULL) "
                           "AND (done_inspection_uuid IS NULL) = (done_by_id IS NULL)",
                           name="ck_follow_up_tasks_done"),
    )


FOLLOW_UP_DONE_FACTS = ("status", "done_inspection_uuid", "done_at", "done_by_id")
