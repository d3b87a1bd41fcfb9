"""Corrections of entered calendar years: an admin who finds an entered year wrong against its
notice enters the whole year again with a reason (server/calendar_years/). Each correction is a
row of its own, numbered from 1 per year; the latest one is the year counted with. Written once,
like calendar_years: UPDATE and DELETE are refused in the database too. Vouched for by the audit
log's `calendar.year_corrected` entries.

Revision ID: 0031_calendar_year_corrections
Revises: 0030_calendar_years
"""
import sqlalchemy as sa
from alembic import op

revision = "0031_calendar_year_corrections"
down_revision = "0030_calendar_years"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_year_corrections",
        sa.Column("year", sa.Integer(), sa.ForeignKey("calendar_years.year"), primary_key=True,
                  autoincrement=False),
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":  # fieldcase_refuse_change() exists (0001)
        op.execute("""CREATE TRIGGER calendar_year_corrections_append_only BEFORE UPDATE OR DELETE
                      ON calendar_year_corrections FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
        op.execute("""CREATE TRIGGER calendar_year_corrections_no_truncate BEFORE TRUNCATE
                      ON calendar_year_corrections FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER calendar_year_corrections_no_{verb.lower()} BEFORE {verb}
                       ON calendar_year_corrections
                       BEGIN SELECT RAISE(ABORT, 'calendar_year_corrections is append-only'); END""")


def downgrade():
    op.drop_table("calendar_year_corrections")
