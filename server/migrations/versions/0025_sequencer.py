"""The audit log's queue: a write request queues its entries here in its own transaction, and
the sequencer (server/audit/sequencer.py) gives them their positions and moves them into
`audit_entries` in batches, under a short lock. Rows are inserted, then deleted by the sequencer
when moved; never updated (a trigger refuses it).

Revision ID: 0025_sequencer
Revises: 0023_tasks
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_sequencer"
down_revision = "0026_syncfast"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor_username", sa.String(64)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32)),
        sa.Column("object_id", sa.String(64)),
        sa.Column("client_address", sa.String(64)),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.UniqueConstraint("nonce"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION fieldcase_refuse_queue_update() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'table %: a queued audit entry never changes', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_queue_no_update BEFORE UPDATE ON audit_queue
                      FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_queue_update()""")
    else:
        op.execute("""CREATE TRIGGER audit_queue_no_update BEFORE UPDATE ON audit_queue
                      BEGIN SELECT RAISE(ABORT, 'audit_queue: a queued audit entry never changes'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_queue_no_update ON audit_queue")
        op.execute("DROP FUNCTION IF EXISTS fieldcase_refuse_queue_update()")
    op.drop_table("audit_queue")
