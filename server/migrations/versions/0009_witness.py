"""A witness's co-signatures of checkpoints, and the checkpoints it refused (both append-only).

Revision ID: 0009_witness
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_witness"
down_revision = "0008_append_only"
branch_labels = None
depends_on = None

SIZE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("audit_cosignatures", "audit_witness_refusals")


def upgrade():
    op.create_table(
        "audit_cosignatures",
        sa.Column("tree_size", SIZE, autoincrement=False, nullable=False),
        sa.Column("witness_key_id", sa.String(length=16), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("cosigned_at", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", "witness_key_id"),
    )
    op.create_table(
        "audit_witness_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", SIZE, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("witness_key_id", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            # fieldcase_refuse_change() was created with the audit table (0001).
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE
                           ON {table} FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE
                           ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                               BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
