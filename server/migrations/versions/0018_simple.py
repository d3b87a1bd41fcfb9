"""The simple procedure on the spot: number blocks reserved for devices, voided numbers, and
on-the-spot decisions (server/simple/).

Revision ID: 0018_simple
Revises: 0022_fixes

`number_blocks`: only the closing (closed_at, closed_reason, once) may change; `voided_numbers`
and `simple_decisions` never change; no row of the three is ever deleted.
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_simple"
down_revision = "0022_fixes"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
BLOCK_FIXED = ("id", "uuid", "doc_type", "year", "first_serial", "last_serial", "device_id",
               "user_id", "reserved_at")
TABLES = ("number_blocks", "voided_numbers", "simple_decisions")
NEVER_UPDATED = ("voided_numbers", "simple_decisions")


def _changed(column: str, postgresql: bool) -> str:
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def upgrade():
    op.create_table(
        "number_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sa.UniqueConstraint("doc_type", "year", "first_serial", name="uq_number_blocks_start"),
        sa.CheckConstraint("first_serial >= 1 AND last_serial >= first_serial", name="ck_number_blocks_range"),
        sa.CheckConstraint("(closed_at IS NULL) = (closed_reason IS NULL)", name="ck_number_blocks_closed"),
        sa.CheckConstraint("closed_reason IS NULL OR closed_reason IN ('returned', 'year_end')",
                           name="ck_number_blocks_reason"),
    )
    op.create_index("ix_number_blocks_device_id", "number_blocks", ["device_id"])
    op.create_table(
        "voided_numbers",
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("serial", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["number_blocks.id"]),
        sa.PrimaryKeyConstraint("doc_type", "year", "serial"),
        sa.CheckConstraint("reason IN ('returned', 'year_end')", name="ck_voided_numbers_reason"),
    )
    op.create_index("ix_voided_numbers_block_id", "voided_numbers", ["block_id"])
    op.create_table(
        "simple_decisions",
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("disposition_id", sa.Integer(), nullable=True),
        sa.Column("inspection_uuid", sa.Uuid(), nullable=True),
        sa.Column("item_id", sa.String(length=100), nullable=True),
        sa.Column("violation_code", sa.String(length=100), nullable=False),
        sa.Column("benchmark", JSON, nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("penalty_kind", sa.String(length=16), nullable=False),
        sa.Column("penalty_fen", sa.BigInteger(), nullable=True),
        sa.Column("officer_ids", JSON, nullable=False),
        sa.Column("signatures", JSON, nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["number_blocks.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["disposition_id"], ["dispositions.id"]),
        sa.ForeignKeyConstraint(["inspection_uuid"], ["inspections.uuid"]),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("document_id"),
        sa.UniqueConstraint("disposition_id"),
        sa.UniqueConstraint("year", "serial", name="uq_simple_decisions_number"),
        sa.CheckConstraint("party_kind IN ('citizen', 'organisation')", name="ck_simple_decisions_party_kind"),
        sa.CheckConstraint("penalty_kind IN ('warning', 'fine')", name="ck_simple_decisions_penalty_kind"),
        sa.CheckConstraint("(penalty_kind = 'fine') = (penalty_fen IS NOT NULL AND penalty_fen > 0)",
                           name="ck_simple_decisions_fine"),
        sa.CheckConstraint("penalty_fen IS NULL OR penalty_fen <= CASE party_kind WHEN 'citizen' "
                           "THEN 20000 ELSE 300000 END", name="ck_simple_decisions_limit"),
        sa.CheckConstraint("(inspection_uuid IS NULL) = (item_id IS NULL)", name="ck_simple_decisions_finding"),
    )
    op.create_index("ix_simple_decisions_block_id", "simple_decisions", ["block_id"])
    _triggers(op.get_bind().dialect.name == "postgresql")


def _triggers(postgresql: bool) -> None:
    fixed = " OR ".join(_changed(c, postgresql) for c in BLOCK_FIXED)
    blocks = f"{fixed} OR OLD.closed_at IS NOT NULL"
    message = "a number block is reserved once and closed once"
    if postgresql:
        # fieldcase_refuse_rewrite() (0008) and fieldcase_refuse_change() (0001) exist.
        op.execute(f"""CREATE TRIGGER number_blocks_no_rewrite BEFORE UPDATE ON number_blocks FOR EACH ROW
                       WHEN ({blocks}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{message}')""")
        for table in NEVER_UPDATED:
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        for table in TABLES:
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                           FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        return
    op.execute(f"""CREATE TRIGGER number_blocks_no_rewrite BEFORE UPDATE ON number_blocks
                   WHEN {blocks} BEGIN SELECT RAISE(ABORT, 'number_blocks: {message}'); END""")
    for table in NEVER_UPDATED:
        op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")
    for table in TABLES:
        op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
