"""Years of the working-day calendar entered by an admin from the State Council's notice
(`flask --app server calendar add`, server/calendar_years/): one row per year, its entry as
canonical JSON text, vouched for by the audit log's `calendar.year_entered` entries. Written
once: UPDATE and DELETE are refused in the database too.

Revision ID: 0030_calendar_years
Revises: 0029_no_evidence_hash_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_calendar_years"
down_revision = "0029_no_evidence_hash_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":  # fieldcase_refuse_change() exists (0001)
        op.execute("""CREATE TRIGGER calendar_years_append_only BEFORE UPDATE OR DELETE ON calendar_years
                      FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE TRIGGER calendar_years_no_truncate BEFORE TRUNCATE ON calendar_years
                      FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER calendar_years_no_{verb.lower()} BEFORE {verb} ON calendar_years
                       BEGIN SELECT RAISE(ABORT, 'calendar_years is append-only'); END""")


def downgrade():
    op.drop_table("calendar_years")
