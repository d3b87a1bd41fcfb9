"""Published form versions (append-only): every version served, with its content hash.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name="ck_form_versions_version_positive"),
        sa.CheckConstraint("length(content_hash) = 64", name="ck_form_versions_hash_length"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id", "version", name="uq_form_versions_form_id_version"),
    )
    # A published version never changes and never goes away: the database refuses it too.
    if op.get_bind().dialect.name == "postgresql":
        # fieldcase_refuse_change() was created by 0001 for the audit log.
        op.execute("""CREATE TRIGGER form_versions_append_only BEFORE UPDATE OR DELETE ON form_versions
                      FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE TRIGGER form_versions_no_truncate BEFORE TRUNCATE ON form_versions
                      FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER form_versions_no_{verb.lower()} BEFORE {verb} ON form_versions
                           BEGIN SELECT RAISE(ABORT, 'form_versions is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS form_versions_no_truncate ON form_versions")
    op.drop_table("form_versions")
