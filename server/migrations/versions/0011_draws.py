"""Random inspection plans (抽查计划) and their tasks (检查任务), with append-only triggers.

Revision ID: 0011_draws
Revises: 0010_directories

A plan may change only along its states (server/draws/models.py); once committed, what was
committed (seed, its hash, the inputs and their hashes) never changes; a drawn or cancelled plan
never changes at all. A task's plan, target, officers, form, subject and deadline never change;
it is completed once and published once. Neither is ever deleted.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_draws"
down_revision = "0010_directories"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
PLAN_COMMITTED = ("seed", "seed_sha256", "inputs", "inputs_sha256", "commitment_digest",
                  "committed_at")
PLAN_FIXED = ("id", "title", "form_id", "supervision_items", "categories", "area_code", "rules",
              "exclusion_days", "period_start", "period_end", "team_id", "created_by_id",
              "created_at")
TASK_FIXED = ("id", "plan_id", "target_id", "form_id", "subject", "officer1_id", "officer2_id",
              "due_on", "created_at")
TASK_ONCE = ("inspection_uuid", "done_at", "public_result", "published_at", "published_by_id")


def upgrade():
    op.create_table(
        "random_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("form_id", sa.String(48), nullable=False),
        sa.Column("supervision_items", JSON, nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("area_code", sa.String(12)),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("exclusion_days", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("approved_at", TIME),
        sa.Column("committed_at", TIME),
        sa.Column("seed", sa.String(64)),
        sa.Column("seed_sha256", sa.String(64)),
        sa.Column("inputs", JSON),
        sa.Column("inputs_sha256", JSON),
        sa.Column("commitment_digest", sa.String(64)),
        sa.Column("drawn_at", TIME),
        sa.Column("drawn_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("witness_value", sa.String(200)),
        sa.Column("final_seed", sa.String(64)),
        sa.Column("result", JSON),
        sa.Column("cancelled_at", TIME),
        sa.Column("cancel_reason", sa.Text()),
        *_plan_checks(),
    )
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("random_plans.id"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("form_id", sa.String(48), nullable=False),
        sa.Column("subject", JSON, nullable=False),
        sa.Column("officer1_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("officer2_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("inspection_uuid", sa.Uuid()),
        sa.Column("done_at", TIME),
        sa.Column("public_result", JSON),
        sa.Column("published_at", TIME),
        sa.Column("published_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        *_task_checks(),
        sa.UniqueConstraint("plan_id", "target_id", name="uq_plan_tasks_target"),
    )
    for column in ("plan_id", "target_id", "officer1_id", "officer2_id"):
        op.create_index(f"ix_plan_tasks_{column}", "plan_tasks", [column])
    _create_triggers(op.get_bind().dialect.name == "postgresql")


# The CHECK constraints of server/draws/models.py as of this revision.
def _plan_checks():
    return [
        sa.CheckConstraint('period_end >= period_start',
                           name='ck_random_plans_period'),
        sa.CheckConstraint("status IN ('draft', 'approved', 'committed', 'drawn', 'cancelled')",
                           name='ck_random_plans_status'),
        sa.CheckConstraint('(approved_at IS NULL) = (approved_by_id IS NULL)',
                           name='ck_random_plans_approval'),
        sa.CheckConstraint("status NOT IN ('approved', 'committed', 'drawn') OR approved_at IS NOT NULL",
                           name='ck_random_plans_approved'),
        sa.CheckConstraint(
            "(committed_at IS NULL) = (seed_sha256 IS NULL)"
            " AND (committed_at IS NULL) = (seed IS NULL)"
            " AND (committed_at IS NULL) = (inputs IS NULL)"
            " AND (committed_at IS NULL) = (commitment_digest IS NULL)"
            " AND (committed_at IS NULL) = (inputs_sha256 IS NULL)",
                           name='ck_random_plans_commitment'),
        sa.CheckConstraint("status NOT IN ('committed', 'drawn') OR committed_at IS NOT NULL",
                           name='ck_random_plans_committed'),
        sa.CheckConstraint(
            "(status = 'drawn') = (drawn_at IS NOT NULL)"
            " AND (drawn_at IS NULL) = (witness_value IS NULL)"
            " AND (drawn_at IS NULL) = (final_seed IS NULL)"
            " AND (drawn_at IS NULL) = (result IS NULL)"
            " AND (drawn_at IS NULL) = (drawn_by_id IS NULL)",
                           name='ck_random_plans_drawn'),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL)"
            " AND (cancelled_at IS NULL) = (cancel_reason IS NULL)",
                           name='ck_random_plans_cancelled'),
        sa.CheckConstraint('exclusion_days >= 0',
                           name='ck_random_plans_exclusion_days'),
    ]


def _task_checks():
    return [
        sa.CheckConstraint('officer1_id <> officer2_id',
                           name='ck_plan_tasks_two_officers'),
        sa.CheckConstraint(
            "(status = 'done') = (inspection_uuid IS NOT NULL)"
            " AND (status = 'done') = (done_at IS NOT NULL)",
                           name='ck_plan_tasks_done'),
        sa.CheckConstraint("status IN ('open', 'done')",
                           name='ck_plan_tasks_status'),
        sa.CheckConstraint(
            "(published_at IS NULL) = (public_result IS NULL)"
            " AND (published_at IS NULL) = (published_by_id IS NULL)"
            " AND (published_at IS NULL OR status = 'done')",
                           name='ck_plan_tasks_published'),
    ]


def _changed(column, postgresql):
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _conditions(postgresql):
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    plan = (f"{any_changed(PLAN_FIXED)} OR OLD.status IN ('drawn', 'cancelled') "
            f"OR (OLD.committed_at IS NOT NULL AND ({any_changed(PLAN_COMMITTED)}))")
    once = " OR ".join(f"(OLD.{c} IS NOT NULL AND ({_changed(c, postgresql)}))" for c in TASK_ONCE)
    task = f"{any_changed(TASK_FIXED)} OR {once} OR (OLD.status = 'done' AND NEW.status <> 'done')"
    return {"random_plans": (plan, "a drawn or cancelled plan, and what a plan committed to, cannot change"),
            "plan_tasks": (task, "the target, officers and result of a task cannot be rewritten")}


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
    op.drop_table("plan_tasks")
    op.drop_table("random_plans")
