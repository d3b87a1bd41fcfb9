"""A follow-up task (复查) is completed on the phone like a draw task: the inspection that did it,
when, and by whom.

Revision ID: 0023_tasks
Revises: 0018_simple
"""
import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0023_tasks"
down_revision = "0018_simple"
branch_labels = None
depends_on = None

DONE = ("(status = 'done') = (done_inspection_uuid IS NOT NULL) "
        "AND (done_inspection_uuid IS NULL) = (done_at IS NULL) "
        "AND (done_inspection_uuid IS NULL) = (done_by_id IS NULL)")


@contextmanager
def _batch():
    # On SQLite the batch copies the table, reflecting the tables its foreign keys name; the
    # expression indexes of `inspections` (0010) cannot be reflected and need not be.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                                category=sa.exc.SAWarning)
        with op.batch_alter_table("follow_up_tasks", schema=None) as batch_op:
            yield batch_op


def upgrade():
    with _batch() as batch_op:
        batch_op.add_column(sa.Column("done_inspection_uuid", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("done_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_follow_up_tasks_done_inspection", "inspections",
                                    ["done_inspection_uuid"], ["uuid"])
        batch_op.create_foreign_key("fk_follow_up_tasks_done_by", "users", ["done_by_id"], ["id"])
        batch_op.create_check_constraint("ck_follow_up_tasks_done", DONE)


def downgrade():
    with _batch() as batch_op:
        batch_op.drop_constraint("ck_follow_up_tasks_done", type_="check")
        batch_op.drop_constraint("fk_follow_up_tasks_done_by", type_="foreignkey")
        batch_op.drop_constraint("fk_follow_up_tasks_done_inspection", type_="foreignkey")
        batch_op.drop_column("done_by_id")
        batch_op.drop_column("done_at")
        batch_op.drop_column("done_inspection_uuid")
