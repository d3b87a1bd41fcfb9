"""The quarterly review sample (评查抽样), the scores given to sampled files, and the problems found.

- `review_samples`: one per quarter. `committed` (secret seed drawn, its SHA-256 and the eligible
  files' hash published) → `drawn` (witness value entered, the sample run once, seed revealed).
  Migration 0024_evalreview refuses any change to what was committed and to a drawn sample
  (0027_sealed_seed: but the draw, which replaces the sealed seed by the revealed one).
- `review_scores`: append-only (triggers refuse UPDATE and DELETE). A correction is a new score
  naming the one it supersedes; each score is superseded at most once, and a file has at most one
  first score, so a file's scores form one chain whose end is its current score.
- `review_problems`: one per (sample, file, checklist item) found not met; `open` until someone
  records it `fixed` (who, when, how), or `withdrawn` when a correcting score finds the item met.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

SAMPLE_STATUSES = ("committed", "drawn")
PROBLEM_STATES = ("open", "fixed", "withdrawn")
PROBLEM_STATE_LABELS = {"open": "待整改", "fixed": "已整改", "withdrawn": "已撤销（评分更正）"}


class ReviewSample(db.Model):
    __tablename__ = "review_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(7), nullable=False, unique=True)  # 2026-Q3
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    committed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # secret until drawn: sealed (draws/sealing.py) until the draw reveals it (64 hex digits)
    seed: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    seed_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    inputs: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # files and rules
    inputs_sha256: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    commitment_digest: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    witness_value: Mapped[str | None] = mapped_column(sa.String(200))
    final_seed: Mapped[str | None] = mapped_column(sa.String(64))
    result: Mapped[list | None] = mapped_column(JSONDocument)  # the sampled file ids, in order

    __table_args__ = (
        sa.CheckConstraint(f"status IN {SAMPLE_STATUSES!r}", name="ck_review_samples_status"),
        sa.CheckConstraint(
            "(status = 'drawn') = (drawn_at IS NOT NULL) AND (drawn_at IS NULL) = (drawn_by_id IS NULL) "
            "AND (drawn_at IS NULL) = (witness_value IS NULL) AND (drawn_at IS NULL) = (final_seed IS NULL) "
            "AND (drawn_at IS NULL) = (result IS NULL)", name="ck_review_samples_drawn"),
    )


class ReviewScore(db.Model):
    __tablename__ = "review_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("review_samples.id"), nullable=False, index=True)
    file_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    standard_version: Mapped[int] = mapped_column(nullable=False)
    answers: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # item -> {result, note}
    score: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1), nullable=False)
    grade: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    vetoed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    defects: Mapped[dict] = mapped_column(JSONDocument, nullable=False)  # section -> count
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_scores.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)  # why a correction was made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    reviewer = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_review_scores_range"),
        sa.CheckConstraint("(supersedes_id IS NULL) = (reason IS NULL)", name="ck_review_scores_reason"),
        sa.Index("uq_review_scores_first", "sample_id", "file_id", unique=True,
                 sqlite_where=sa.text("supersedes_id IS NULL"),
                 postgresql_where=sa.text("supersedes_id IS NULL")),
    )


class ReviewProblem(db.Model):
    __tablename__ = "review_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("review_samples.id"), nullable=False, index=True)
    file_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    item_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    section: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    found_by_score_id: Mapped[int] = mapped_column(sa.ForeignKey("review_scores.id"), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)  # the reviewer's note on the defect
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    close_note: Mapped[str | None] = mapped_column(sa.Text)

    closed_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"state IN {PROBLEM_STATES!r}", name="ck_review_problems_state"),
        sa.CheckConstraint("(state = 'open') = (closed_at IS NULL) AND (closed_at IS NULL) = "
                           "(closed_by_id IS NULL) AND (closed_at IS NULL) = (close_note IS NULL)",
                           name="ck_review_problems_closed"),
        sa.UniqueConstraint("sample_id", "file_id", "item_id", name="uq_review_problems_item"),
    )
