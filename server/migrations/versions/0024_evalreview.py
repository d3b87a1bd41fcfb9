"""案卷评查: quarterly review samples, append-only scores, and the problems found (server/evalreview/).

Revision ID: 0024_evalreview
Revises: 0016_export

What a sample committed never changes, and a drawn sample never changes at all; scores are
append-only (a correction is a new row); a problem's file, item and finding never change, and a
fixed problem stays fixed. None of them is ever deleted.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0024_evalreview"
down_revision = "0016_export"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
SAMPLE_FIXED = ("id", "quarter", "committed_by_id", "committed_at", "seed", "seed_sha256", "inputs",
                "inputs_sha256", "commitment_digest")
PROBLEM_FIXED = ("id", "sample_id", "file_id", "item_id", "section", "found_by_score_id", "found_at")


def upgrade():
    op.create_table(
        "review_samples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quarter", sa.String(7), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("committed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("committed_at", TIME, nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("seed_sha256", sa.String(64), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("inputs_sha256", JSON, nullable=False),
        sa.Column("commitment_digest", sa.String(64), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("drawn_at", TIME),
        sa.Column("witness_value", sa.String(200)),
        sa.Column("final_seed", sa.String(64)),
        sa.Column("result", JSON),
        sa.CheckConstraint("status IN ('committed', 'drawn')", name="ck_review_samples_status"),
        sa.CheckConstraint(
            "(status = 'drawn') = (drawn_at IS NOT NULL) AND (drawn_at IS NULL) = (drawn_by_id IS NULL) "
            "AND (drawn_at IS NULL) = (witness_value IS NULL) AND (drawn_at IS NULL) = (final_seed IS NULL) "
            "AND (drawn_at IS NULL) = (result IS NULL)", name="ck_review_samples_drawn"),
    )
    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("review_samples.id"), nullable=False),
        sa.Column("file_id", sa.String(100), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("standard_version", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("vetoed", sa.Boolean(), nullable=False),
        sa.Column("defects", JSON, nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("review_scores.id"), unique=True),
        sa.Column("reason", sa.Text()),
        sa.Column("created_at", TIME, nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_review_scores_range"),
        sa.CheckConstraint("(supersedes_id IS NULL) = (reason IS NULL)", name="ck_review_scores_reason"),
    )
    op.create_index("ix_review_scores_sample_id", "review_scores", ["sample_id"])
    op.create_index("uq_review_scores_first", "review_scores", ["sample_id", "file_id"], unique=True,
                    sqlite_where=sa.text("supersedes_id IS NULL"),
                    postgresql_where=sa.text("supersedes_id IS NULL"))
    op.create_table(
        "review_problems",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("review_samples.id"), nullable=False),
        sa.Column("file_id", sa.String(100), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("found_by_score_id", sa.Integer(), sa.ForeignKey("review_scores.id"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("found_at", TIME, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("closed_at", TIME),
        sa.Column("closed_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("close_note", sa.Text()),
        sa.CheckConstraint("state IN ('open', 'fixed', 'withdrawn')", name="ck_review_problems_state"),
        sa.CheckConstraint("(state = 'open') = (closed_at IS NULL) AND (closed_at IS NULL) = "
                           "(closed_by_id IS NULL) AND (closed_at IS NULL) = (close_note IS NULL)",
                           name="ck_review_problems_closed"),
        sa.UniqueConstraint("sample_id", "file_id", "item_id", name="uq_review_problems_item"),
    )
    op.create_index("ix_review_problems_sample_id", "review_problems", ["sample_id"])
    _create_triggers(op.get_bind().dialect.name == "postgresql")


def _changed(column, postgresql):
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _conditions(postgresql):
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    return {
        "review_samples": (f"{any_changed(SAMPLE_FIXED)} OR OLD.status = 'drawn'",
                           "what a review sample committed to, and a drawn sample, cannot change"),
        "review_scores": ("1 = 1" if postgresql else "1", "scores are append-only: a correction is a new score"),
        "review_problems": (f"{any_changed(PROBLEM_FIXED)} OR OLD.state = 'fixed'",
                            "a problem found cannot be rewritten, and a fixed problem stays fixed"),
    }


def _create_triggers(postgresql):
    for table, (condition, message) in _conditions(postgresql).items():
        if postgresql:
            # fieldcase_refuse_rewrite() and fieldcase_refuse_change() exist since 0008 and 0001.
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} FOR EACH ROW
                           WHEN ({condition}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{message}')""")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                           FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        else:
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table}
                           WHEN {condition} BEGIN SELECT RAISE(ABORT, '{table}: {message}'); END""")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for table in ("review_problems", "review_scores", "review_samples"):
        op.drop_table(table)
