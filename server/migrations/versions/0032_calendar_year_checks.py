"""A legal reviewer's check of an entered calendar year against its notice: 核对无误, or 有误 with
what is wrong (server/calendar_years/). A check names the SHA-256 of the entry it was made on, so
a correction after it leaves the year unchecked again. Numbered from 1 per year; written once:
UPDATE and DELETE are refused in the database too. Vouched for by the audit log's
`calendar.year_checked` entries.

Revision ID: 0032_calendar_year_checks
Revises: 0031_calendar_year_corrections
"""
import sqlalchemy as sa
from alembic import op

revision = "0032_calendar_year_checks"
down_revision = "0031_calendar_year_corrections"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_year_checks",
        sa.Column("year", sa.Integer(), sa.ForeignKey("calendar_years.year"), primary_key=True,
                  autoincrement=False),
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("entry_sha256", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer_username", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("verdict IN ('confirmed', 'wrong')", name="calendar_year_checks_verdict"),
    )
    if op.get_bind().dialect.name == "postgresql":  # fieldcase_refuse_change() exists (0001)
        op.execute("""CREATE TRIGGER calendar_year_checks_append_only BEFORE UPDATE OR DELETE
                      ON calendar_year_checks FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE TRIGGER calendar_year_checks_no_truncate BEFORE TRUNCATE
                      ON calendar_year_checks FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER calendar_year_checks_no_{verb.lower()} BEFORE {verb}
                       ON calendar_year_checks
                       BEGIN SELECT RAISE(ABORT, 'calendar_year_checks is append-only'); END""")


def downgrade():
    op.drop_table("calendar_year_checks")
