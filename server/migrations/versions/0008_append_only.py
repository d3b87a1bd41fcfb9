"""Append-only triggers on the rows the audit log vouches for.

Revision ID: 0008_append_only
Revises: 0007
Create Date: 2026-11-30 12:00:00

What the code legitimately changes after an insert, and nothing else, may change:
- `inspections`: the status, the count of evidence received (never down), and the review's
  fields, each written once (a return's comments, the legal review's request, reason and
  deadline, the legal opinion); an approved or returned revision keeps its status. What was
  submitted never changes: an amendment is a new row.
- `evidence`: `received_at`, once, when the file arrives; what the phone declared never changes.
- `inspection_officers`, `evidence_files`, `review_actions`: never updated.
None of them is ever deleted (nor truncated, on PostgreSQL).

Whoever holds the database file can drop these triggers; `audit verify` then still finds every
changed row by comparing it with the entries that vouch for it (server/audit/vouched.py).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_append_only'
down_revision = '0007'
branch_labels = None
depends_on = None

# The columns of `inspections` set at submission (as of 0007): never changed afterwards.
INSPECTION_FIXED = (
    "uuid", "root_uuid", "revision", "replaces_uuid", "amendment_reason", "form_id", "form_version",
    "submitted_by_id", "team_id", "subject_kind", "subject_name", "subject_code",
    "subject_description", "place_latitude", "place_longitude", "place_accuracy_m",
    "place_address", "started_at", "finished_at", "answers", "computed", "device_id",
    "app_version", "received_at", "device_clock_offset_ms", "content_hash", "evidence_uuids",
    "evidence_expected", "failed_checks")
# Review fields: NULL until the decision that writes them, then fixed (server/review/service.py).
INSPECTION_WRITE_ONCE = (
    ("return_comment", ("return_comment", "return_item_comments")),
    ("legal_review_requested_at", ("legal_review_requested_at", "major_decision_reason",
                                   "legal_review_due_at")),
    ("legal_opinion", ("legal_opinion",)),
)
EVIDENCE_FIXED = ("uuid", "inspection_uuid", "position", "item_id", "sha256", "size", "media_type",
                  "captured_at")
NEVER_UPDATED = ("inspection_officers", "evidence_files", "review_actions")
TABLES = ("inspections", "evidence", *NEVER_UPDATED)


def _changed(column: str, postgresql: bool) -> str:
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _rewrite_conditions(postgresql: bool) -> dict[str, tuple[str, str]]:
    """table -> (condition on OLD/NEW under which an UPDATE is refused, message)."""
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    write_once = " OR ".join(f"(OLD.{first} IS NOT NULL AND ({any_changed(columns)}))"
                             for first, columns in INSPECTION_WRITE_ONCE)
    inspections = (f"{any_changed(INSPECTION_FIXED)} OR {write_once} "
                   "OR NEW.evidence_received < OLD.evidence_received "
                   f"OR (OLD.status IN ('approved', 'returned') AND ({_changed('status', postgresql)}))")
    evidence = (f"{any_changed(EVIDENCE_FIXED)} "
                f"OR (OLD.received_at IS NOT NULL AND ({_changed('received_at', postgresql)}))")
    return {"inspections": (inspections, "a submitted revision and the decisions on it cannot be rewritten"),
            "evidence": (evidence, "declared evidence cannot be rewritten, and arrives once")}


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    conditions = _rewrite_conditions(postgresql)
    if postgresql:
        op.execute("""
            CREATE OR REPLACE FUNCTION fieldcase_refuse_rewrite() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'table %: %', TG_TABLE_NAME, TG_ARGV[0];
            END;
            $$ LANGUAGE plpgsql""")
        for table, (condition, message) in conditions.items():
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} FOR EACH ROW
                           WHEN ({condition}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{message}')""")
        for table in NEVER_UPDATED:
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        for table in TABLES:
            # fieldcase_refuse_change() was created with the audit table (0001).
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                           FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        return
    for table, (condition, message) in conditions.items():
        op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table}
                       WHEN {condition} BEGIN SELECT RAISE(ABORT, '{table}: {message}'); END""")
    for table in NEVER_UPDATED:
        op.execute(f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")
    for table in TABLES:
        op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    triggers = [(t, f"{t}_no_rewrite") for t in ("inspections", "evidence")]
    triggers += [(t, f"{t}_{'append_only' if postgresql else 'no_update'}") for t in NEVER_UPDATED]
    triggers += [(t, f"{t}_no_delete") for t in TABLES]
    if postgresql:
        triggers += [(t, f"{t}_no_truncate") for t in TABLES]
    for table, name in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgresql
                   else f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS fieldcase_refuse_rewrite()")
