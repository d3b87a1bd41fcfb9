"""Early warnings (预警), stored so that an acknowledgement sticks and the same facts never raise
a second one: `fingerprint` is the SHA-256 of the facts behind the warning, unique per kind.

A warning names the team whose supervisor sees it (and the officer it is about, if any) and
links to the records behind it. Only its acknowledgement changes, once (migration 0015's
triggers); both the raising and the acknowledgement are audit entries (oversight/vouched.py).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

KINDS = {
    "repeat_findings": "同一对象短期内重复发现问题",
    "certificate_expiring": "执法证即将到期",
    "training_pace": "培训学时进度不足",
    "evidence_missing": "证据超过 24 小时未上传齐全",
    "evidence_flags": "证据异常标记明显偏多",
    "no_handheld": "中队一周无掌上执法记录",
    "case_deadline": "案件期限临近或超期",
}


class Warning(db.Model):  # noqa: A001 - the domain's word; never used beside the builtin
    __tablename__ = "oversight_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    detail: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # [{"type": "inspection" | "officer" | "team", "id": ..., "label": zh-CN}]
    links: Mapped[list] = mapped_column(JSONDocument, nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledge_comment: Mapped[str | None] = mapped_column(sa.Text)

    team = relationship("Team", lazy="joined")
    officer = relationship("User", lazy="joined", foreign_keys=[officer_id])
    acknowledged_by = relationship("User", lazy="joined", foreign_keys=[acknowledged_by_id])

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {tuple(KINDS)!r}", name="ck_oversight_warnings_kind"),
        sa.CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)",
                           name="ck_oversight_warnings_acknowledged"),
        sa.CheckConstraint("acknowledge_comment IS NULL OR acknowledged_at IS NOT NULL",
                           name="ck_oversight_warnings_comment"),
        sa.UniqueConstraint("kind", "fingerprint", name="uq_oversight_warnings_facts"),
        sa.Index("ix_oversight_warnings_team", "team_id", "acknowledged_at"),
    )
