"""Issued documents (执法文书), their numbering counters, and archive packages (电子档案).

Revision ID: 0014_documents
Revises: 0013_cases

`documents`: what was issued never changes; only the seal state moves on (pending → signed or
failed, failed → signed on a retry) and a signed document's seal facts are final. No row is ever
deleted. `document_counters`: the last number of a type in a year only ever grows by one.
`archives` and `archive_facts`: append-only (a later fact is a new row).
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_documents"
down_revision = "0013_cases"
branch_labels = None
depends_on = None

ISSUED = ("id", "uuid", "doc_type", "year", "serial", "number", "subject_type", "subject_id",
          "party", "fields", "fields_sha256", "issued_by_id", "issued_at")
SEAL = ("state", "pdf_sha256", "signed_sha256", "signed_at", "sign_error")
TABLES = ("documents", "document_counters", "archives", "archive_facts")
APPEND_ONLY = ("archives", "archive_facts")


def _changed(column: str, postgresql: bool) -> str:
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _conditions(postgresql: bool) -> dict[str, tuple[str, str]]:
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    documents = (f"{any_changed(ISSUED)} OR (OLD.state = 'signed' AND ({any_changed(SEAL)})) "
                 "OR (NEW.state = 'pending' AND OLD.state <> 'pending')")
    counters = (f"{any_changed(('doc_type', 'year'))} OR NEW.last_serial <> OLD.last_serial + 1")
    return {"documents": (documents, "an issued document cannot be rewritten; a seal is final"),
            "document_counters": (counters, "a document number is taken once, in order")}


def upgrade():
    op.create_table(
        "document_counters",
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("doc_type", "year"),
        sa.CheckConstraint("last_serial >= 1", name="ck_document_counters_serial"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("fields_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sign_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("doc_type", "year", "serial", name="uq_documents_type_year_serial"),
        sa.CheckConstraint("state IN ('pending', 'signed', 'failed')", name="ck_documents_state"),
        sa.CheckConstraint("subject_type IS NULL OR subject_type IN ('inspection', 'case')",
                           name="ck_documents_subject_type"),
        sa.CheckConstraint("serial >= 1", name="ck_documents_serial"),
        sa.CheckConstraint("(state = 'signed') = (signed_sha256 IS NOT NULL AND pdf_sha256 IS NOT NULL "
                           "AND signed_at IS NOT NULL)", name="ck_documents_signed_facts"),
        sa.CheckConstraint("(state = 'failed') = (sign_error IS NOT NULL)",
                           name="ck_documents_failed_reason"),
    )
    op.create_index("ix_documents_subject_id", "documents", ["subject_id"])
    _create_archives()
    op.create_index("ix_documents_state", "documents", ["state"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, (condition, message) in _conditions(postgresql).items():
        if postgresql:
            # fieldcase_refuse_rewrite() (0008) and fieldcase_refuse_change() (0001) exist.
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} FOR EACH ROW
                           WHEN ({condition}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{message}')""")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                           FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        else:
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table}
                           WHEN {condition} BEGIN SELECT RAISE(ABORT, '{table}: {message}'); END""")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def _create_archives():
    op.create_table(
        "archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("archive_no", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("inspection_uuid", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("retention", sa.String(length=8), nullable=False),
        sa.Column("transfer_letter_uuid", sa.Uuid(), nullable=True),
        sa.Column("export_id", sa.String(length=36), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("package_size", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sa.UniqueConstraint("archive_no"),
        sa.CheckConstraint("kind IN ('archive', 'transfer')", name="ck_archives_kind"),
        sa.CheckConstraint("category IN ('inspection', 'case')", name="ck_archives_category"),
        sa.CheckConstraint("retention IN ('永久', '30年', '10年')", name="ck_archives_retention"),
        sa.CheckConstraint("(kind = 'transfer') = (transfer_letter_uuid IS NOT NULL)",
                           name="ck_archives_transfer_letter"),
    )
    op.create_index("ix_archives_year", "archives", ["year"])
    op.create_index("ix_archives_party", "archives", ["party"])
    op.create_index("uq_archives_one_per_subject", "archives", ["subject_type", "subject_id"],
                    unique=True, sqlite_where=sa.text("kind = 'archive'"),
                    postgresql_where=sa.text("kind = 'archive'"))
    op.create_table(
        "archive_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archive_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document_uuid", sa.Uuid(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["archive_id"], ["archives.id"]),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archive_facts_archive_id", "archive_facts", ["archive_id"])
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE
                           ON {table} FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE
                           ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                               BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
