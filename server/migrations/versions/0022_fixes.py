"""The certificates migration 0010 copied from the users' columns get an audit entry, so that
`audit verify` checks them like every other certificate (server/officers/vouched.py).

Revision ID: 0022_fixes
Revises: 0024_evalreview

One `officers.certificates_migrated` entry lists the facts of each certificate that no
`officer.certificate_added` entry vouches for, as they stand now; none is written when there are
none (a database that never had certificates in the users' columns).
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0022_fixes"
down_revision = "0024_evalreview"
branch_labels = None
depends_on = None

ACTION = "officers.certificates_migrated"


def _iso(value):
    return value if isinstance(value, str) else value.isoformat()


def upgrade():
    # The app's own hashing and column types, so that the entry is a leaf like any other.
    from server.audit.models import AuditEntry
    from server.audit.service import migration_entry

    bind = op.get_bind()
    vouched = {row[0] for row in bind.execute(sa.text(
        "SELECT object_id FROM audit_entries WHERE action = 'officer.certificate_added'"))}
    rows = bind.execute(sa.text(
        "SELECT id, user_id, number, domains, valid_from, valid_until, revoked_reason "
        "FROM officer_certificates ORDER BY id")).all()
    unvouched = [{"id": cert_id, "user_id": user_id, "number": number,
                  "domains": sorted(json.loads(domains) if isinstance(domains, str) else domains),
                  "valid_from": _iso(valid_from), "valid_until": _iso(valid_until),
                  "revoked_reason": revoked_reason}
                 for cert_id, user_id, number, domains, valid_from, valid_until, revoked_reason in rows
                 if str(cert_id) not in vouched]
    if not unvouched:
        return
    seq = (bind.execute(sa.text("SELECT max(seq) FROM audit_entries")).scalar() or 0) + 1
    bind.execute(AuditEntry.__table__.insert(), [migration_entry(seq, ACTION, {"certificates": unvouched})])


def downgrade():
    pass  # the audit log is append-only: the entry stays, and vouches for nothing once the rows go
