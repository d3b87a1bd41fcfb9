"""The index on `evidence.sha256` is dropped: no query reads evidence by its declared hash (a
file's own hash is `evidence_files.sha256`, read by evidence UUID), and a SHA-256 is random, so
each synced record's evidence rows went into that index at random pages. It was the costliest
part of a sync's write on SQLite (issue 19): a batch of 50 records with 7 files each, 21 ms
written with it and 7.5 ms without (inserts and commit, 16,000 records stored, their UUIDs of
version 7 as the PWA now makes them, so that the tables' own indexes grow at their ends).
Downgrade creates it again.

Revision ID: 0029_no_evidence_hash_index
Revises: 0028_r5sync
"""
from alembic import op

revision = "0029_no_evidence_hash_index"
down_revision = "0028_r5sync"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_evidence_sha256", table_name="evidence")


def downgrade():
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"], unique=False)
