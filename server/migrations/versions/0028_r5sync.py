"""The view `inspection_members` (0026_syncfast) is dropped: a sync now writes officers and
evidence straight into their tables (server/inspections/sync_rows.py), since the view's
INSTEAD OF trigger cost SQLite about three times the CPU per row of a direct insert. Nothing
else wrote through it. Downgrade creates it again as 0026 did.

Revision ID: 0028_r5sync
Revises: 0027_sealed_seed
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0028_r5sync"
down_revision = "0027_sealed_seed"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP VIEW inspection_members")  # drops its trigger too
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION inspection_members_insert()")


def downgrade():
    path = Path(__file__).with_name("0026_syncfast.py")
    spec = importlib.util.spec_from_file_location("migration_0026_syncfast", path)
    syncfast = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(syncfast)
    syncfast.upgrade()
