"""A record's officers and evidence rows written by one statement: the view `inspection_members`
(both tables, a `kind` column telling them apart) takes inserts and routes each row to its
table (an INSTEAD OF trigger), so that a sync writes a record in two statements, not three.
Nothing else changes: the tables keep their constraints and triggers, which the routed rows meet.

Revision ID: 0026_syncfast
Revises: 0023_tasks
"""
from alembic import op

revision = "0026_syncfast"
down_revision = "0023_tasks"
branch_labels = None
depends_on = None

OFFICER_COLUMNS = "inspection_uuid, user_id, position, certificate_number"
EVIDENCE_COLUMNS = ("uuid, inspection_uuid, position, item_id, sha256, size, media_type, captured_at, "
                    "received_at")


def _view(cast) -> str:
    return f"""CREATE VIEW inspection_members AS
        SELECT 'officer' AS kind, inspection_uuid, position, user_id, certificate_number,
               {cast('uuid')} AS uuid, {cast('varchar(100)')} AS item_id, {cast('varchar(64)')} AS sha256,
               {cast('bigint')} AS size, {cast('varchar(100)')} AS media_type,
               {cast('timestamptz')} AS captured_at, {cast('timestamptz')} AS received_at
        FROM inspection_officers
        UNION ALL
        SELECT 'evidence', inspection_uuid, position, {cast('integer')}, {cast('varchar(64)')},
               uuid, item_id, sha256, size, media_type, captured_at, received_at
        FROM evidence"""


def _new(columns: str) -> str:
    return ", ".join(f"NEW.{c.strip()}" for c in columns.split(","))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_view(lambda kind: f"NULL::{kind}"))
        op.execute(f"""CREATE FUNCTION inspection_members_insert() RETURNS trigger AS $$
            BEGIN
                IF NEW.kind = 'officer' THEN
                    INSERT INTO inspection_officers ({OFFICER_COLUMNS}) VALUES ({_new(OFFICER_COLUMNS)});
                ELSIF NEW.kind = 'evidence' THEN
                    INSERT INTO evidence ({EVIDENCE_COLUMNS}) VALUES ({_new(EVIDENCE_COLUMNS)});
                ELSE
                    RAISE EXCEPTION 'inspection_members: kind is officer or evidence, not %', NEW.kind;
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER inspection_members_insert INSTEAD OF INSERT ON inspection_members
            FOR EACH ROW EXECUTE FUNCTION inspection_members_insert()""")
    else:
        op.execute(_view(lambda kind: "NULL"))
        op.execute(f"""CREATE TRIGGER inspection_members_insert INSTEAD OF INSERT ON inspection_members
            BEGIN
                SELECT RAISE(ABORT, 'inspection_members: kind is officer or evidence')
                    WHERE NEW.kind NOT IN ('officer', 'evidence');
                INSERT INTO inspection_officers ({OFFICER_COLUMNS})
                    SELECT {_new(OFFICER_COLUMNS)} WHERE NEW.kind = 'officer';
                INSERT INTO evidence ({EVIDENCE_COLUMNS})
                    SELECT {_new(EVIDENCE_COLUMNS)} WHERE NEW.kind = 'evidence';
            END""")


def downgrade():
    op.execute("DROP VIEW inspection_members")  # drops its trigger too
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION inspection_members_insert()")
