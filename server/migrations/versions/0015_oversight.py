"""Oversight: officers' training records (学时) and stored early warnings (预警).

Revision ID: 0015_oversight
Revises: 0014_documents

Warnings are stored so that an acknowledgement sticks and the same facts never raise a second
warning (unique kind + fingerprint); only the acknowledgement may change, once (a trigger on
PostgreSQL, the same on SQLite), and a training record never changes.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_oversight"
down_revision = "0014_documents"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WARNING_KINDS = ("repeat_findings", "certificate_expiring", "training_pace", "evidence_missing",
                 "evidence_flags", "no_handheld", "case_deadline")


def upgrade():
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("organiser", sa.String(length=200), nullable=True),
        sa.Column("class_hours_tenths", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("finished_on", sa.Date(), nullable=False),
        sa.Column("completion_certificate", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("class_hours_tenths > 0 AND class_hours_tenths <= 2000",
                           name="ck_training_records_hours"),
        sa.CheckConstraint("finished_on >= started_on", name="ck_training_records_dates"),
        sa.UniqueConstraint("officer_id", "course", "started_on", name="uq_training_records_course"),
    )
    op.create_index("ix_training_records_officer", "training_records", ["officer_id", "finished_on"])
    op.create_table(
        "oversight_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("links", JSON, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("acknowledge_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(f"kind IN {WARNING_KINDS!r}", name="ck_oversight_warnings_kind"),
        sa.CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)",
                           name="ck_oversight_warnings_acknowledged"),
        sa.CheckConstraint("acknowledge_comment IS NULL OR acknowledged_at IS NOT NULL",
                           name="ck_oversight_warnings_comment"),
        sa.UniqueConstraint("kind", "fingerprint", name="uq_oversight_warnings_facts"),
    )
    op.create_index("ix_oversight_warnings_team", "oversight_warnings", ["team_id", "acknowledged_at"])
    _guard()


def _guard():
    """Training records never change; a warning changes once, from open to acknowledged."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE TRIGGER training_records_append_only BEFORE UPDATE OR DELETE
                      ON training_records FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE FUNCTION fieldcase_warning_acknowledged_once() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' OR OLD.acknowledged_at IS NOT NULL
                 OR (NEW.id, NEW.kind, NEW.fingerprint, NEW.team_id, NEW.officer_id, NEW.title,
                     NEW.detail, NEW.links, NEW.raised_at)
                    IS DISTINCT FROM (OLD.id, OLD.kind, OLD.fingerprint, OLD.team_id, OLD.officer_id,
                     OLD.title, OLD.detail, OLD.links, OLD.raised_at) THEN
                RAISE EXCEPTION 'oversight_warnings: only an open warning''s acknowledgement may be set';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER oversight_warnings_acknowledged_once BEFORE UPDATE OR DELETE
                      ON oversight_warnings FOR EACH ROW
                      EXECUTE FUNCTION fieldcase_warning_acknowledged_once()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER training_records_no_{verb.lower()} BEFORE {verb} ON training_records
                       BEGIN SELECT RAISE(ABORT, 'training_records is append-only'); END""")
    op.execute("""CREATE TRIGGER oversight_warnings_no_delete BEFORE DELETE ON oversight_warnings
                  BEGIN SELECT RAISE(ABORT, 'oversight_warnings: rows are kept'); END""")
    op.execute("""CREATE TRIGGER oversight_warnings_acknowledged_once BEFORE UPDATE ON oversight_warnings
                  WHEN OLD.acknowledged_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind
                    OR NEW.fingerprint IS NOT OLD.fingerprint OR NEW.team_id IS NOT OLD.team_id
                    OR NEW.officer_id IS NOT OLD.officer_id OR NEW.title IS NOT OLD.title
                    OR NEW.detail IS NOT OLD.detail OR NEW.links IS NOT OLD.links
                    OR NEW.raised_at IS NOT OLD.raised_at
                  BEGIN SELECT RAISE(ABORT, 'oversight_warnings: only an acknowledgement, once'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS oversight_warnings_acknowledged_once ON oversight_warnings")
        op.execute("DROP FUNCTION IF EXISTS fieldcase_warning_acknowledged_once()")
    op.drop_table("oversight_warnings")
    op.drop_table("training_records")
