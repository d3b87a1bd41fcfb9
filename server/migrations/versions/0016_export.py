"""The provincial export: collectors' tokens, webhook endpoints and deliveries (server/export/).

Revision ID: 0016_export
Revises: 0015_oversight
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_export"
down_revision = "0015_oversight"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("pending", "delivered", "dead")


def upgrade():
    op.create_table(
        "export_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "export_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scanned_through", SEQ, nullable=False),
        sa.CheckConstraint("scanned_through >= 0", name="ck_export_endpoints_scanned"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "export_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["endpoint_id"], ["export_endpoints.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint_id", "seq", name="uq_export_deliveries_endpoint_seq"),
        sa.CheckConstraint(f"state IN {STATES!r}", name="ck_export_deliveries_state"),
        sa.CheckConstraint("attempts >= 0", name="ck_export_deliveries_attempts"),
        sa.CheckConstraint("(state = 'delivered') = (delivered_at IS NOT NULL)",
                           name="ck_export_deliveries_delivered"),
        sa.CheckConstraint("(state = 'dead') = (dead_at IS NOT NULL)",
                           name="ck_export_deliveries_dead"),
        sa.CheckConstraint("(lease_owner IS NULL) = (lease_until IS NULL)",
                           name="ck_export_deliveries_lease"),
    )
    op.create_index("ix_export_deliveries_due", "export_deliveries", ["state", "next_attempt_at"])


def downgrade():
    op.drop_index("ix_export_deliveries_due", table_name="export_deliveries")
    for table in ("export_deliveries", "export_endpoints", "export_clients"):
        op.drop_table(table)
