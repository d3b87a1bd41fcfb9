"""Signed checkpoints of the audit log (append-only).

Revision ID: 0005
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tree_size"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # fieldcase_refuse_change() was created with the audit table (0001).
        op.execute("""CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE
                      ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE
                      ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_checkpoints_no_{verb.lower()} BEFORE {verb}
                           ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
    op.drop_table("audit_checkpoints")
