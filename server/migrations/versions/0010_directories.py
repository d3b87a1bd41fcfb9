"""The two directories of 双随机、一公开: targets (with credit-class history and supervision items),
officers' certificates by domain, absences and conflicts of interest; the target a record names.

Revision ID: 0010_directories
Revises: 0009_witness

The users' current certificates become the first rows of the certificate history, with no domains
(the old columns never said which 执法类别 they cover: an admin states them before an officer is
drawn). Credit-class history and the target a record names are append-only; certificates and
conflicts are never deleted.

Inspections get two expression indexes on the subject's code and name as keys (upper case, no
spaces), so that a target's history finds the records that name its credit code or plate.
"""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_directories"
down_revision = "0009_witness"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = sa.DateTime(timezone=True)
CATEGORIES = ("road_transport", "dangerous_goods_transport", "vehicle_repair", "driving_school",
              "port_shipping", "road_works", "vehicle", "ship")
BUSINESS = CATEGORIES[:6]
CLASSES = ("A", "B", "C", "D")
APPEND_ONLY = ("target_credit_classes", "inspection_targets")
NEVER_DELETED = ("officer_certificates", "officer_conflicts")
# The subject's code and name as a key: what server/targets/history.py compares with.
SUBJECT_KEY_INDEXES = {"ix_inspections_subject_code_key": "upper(replace(subject_code, ' ', ''))",
                       "ix_inspections_subject_name_key": "upper(replace(subject_name, ' ', ''))"}


def upgrade():
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("key_kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("licence_numbers", JSON, nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("area_code", sa.String(12), nullable=True),
        sa.Column("area_name", sa.String(100), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("credit_class", sa.String(1), nullable=False),
        sa.Column("credit_class_since", sa.Date(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("retired_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_kind", "key", name="uq_targets_key"),
        sa.CheckConstraint(f"category IN {CATEGORIES!r}", name="ck_targets_category"),
        sa.CheckConstraint(f"credit_class IN {CLASSES!r}", name="ck_targets_credit_class"),
        sa.CheckConstraint(
            "(key_kind = 'plate' AND category = 'vehicle') OR (key_kind = 'ship_id' AND category = 'ship') "
            f"OR (key_kind = 'credit_code' AND category IN {BUSINESS!r} AND credit_code = key)",
            name="ck_targets_key_kind"),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="ck_targets_coordinates"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90 "
                           "AND longitude BETWEEN -180 AND 180)", name="ck_targets_coordinate_range"),
    )
    for column in ("category", "credit_code", "area_code"):
        op.create_index(f"ix_targets_{column}", "targets", [column])
    op.create_table(
        "target_items",
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("form_id", sa.String(48), nullable=False),
        sa.PrimaryKeyConstraint("target_id", "form_id"),
    )
    op.create_index("ix_target_items_form_id", "target_items", ["form_id"])
    op.create_table(
        "target_credit_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("credit_class", sa.String(1), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(f"credit_class IN {CLASSES!r}", name="ck_target_credit_classes_class"),
    )
    op.create_index("ix_target_credit_classes_target_id", "target_credit_classes", ["target_id"])
    op.create_table(
        "inspection_targets",
        sa.Column("inspection_uuid", sa.Uuid(), sa.ForeignKey("inspections.uuid"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("revisit_reason", sa.Text(), nullable=True),
        sa.Column("recent_inspections", JSON, nullable=False),
        sa.PrimaryKeyConstraint("inspection_uuid"),
    )
    op.create_index("ix_inspection_targets_target_id", "inspection_targets", ["target_id"])
    op.create_table(
        "officer_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("domains", JSON, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "number", name="uq_officer_certificates_number"),
        sa.CheckConstraint("valid_until >= valid_from", name="ck_officer_certificates_dates"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)",
                           name="ck_officer_certificates_revoked"),
    )
    op.create_index("ix_officer_certificates_user_id", "officer_certificates", ["user_id"])
    op.create_table(
        "officer_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("cancelled_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('leave', 'training', 'other')", name="ck_officer_absences_kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_officer_absences_dates"),
    )
    op.create_index("ix_officer_absences_user_id", "officer_absences", ["user_id"])
    op.create_table(
        "officer_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("declared_at", TIME, nullable=False),
        sa.Column("withdrawn_at", TIME, nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)",
                           name="ck_officer_conflicts_withdrawn"),
    )
    op.create_index("ix_officer_conflicts_user_id", "officer_conflicts", ["user_id"])
    op.create_index("ix_officer_conflicts_target_id", "officer_conflicts", ["target_id"])
    op.create_index("uq_officer_conflicts_open", "officer_conflicts", ["user_id", "target_id"],
                    unique=True, sqlite_where=sa.text("withdrawn_at IS NULL"),
                    postgresql_where=sa.text("withdrawn_at IS NULL"))
    for name, expression in SUBJECT_KEY_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON inspections ({expression})")
    _copy_current_certificates()
    _protect()


def _copy_current_certificates():
    bind = op.get_bind()
    users = bind.execute(sa.text(
        "SELECT id, certificate_number, certificate_valid_from, certificate_valid_until FROM users "
        "WHERE certificate_number IS NOT NULL AND certificate_valid_until IS NOT NULL")).all()
    table = sa.table("officer_certificates", sa.column("user_id"), sa.column("number"),
                     sa.column("domains", JSON), sa.column("valid_from", sa.Date()),
                     sa.column("valid_until", sa.Date()), sa.column("created_at", TIME))
    now = datetime.now(timezone.utc)
    rows = [{"user_id": uid, "number": number, "domains": [],
             "valid_from": _as_date(valid_from) or date(1900, 1, 1),
             "valid_until": _as_date(valid_until), "created_at": now}
            for uid, number, valid_from, valid_until in users]
    if rows:
        op.bulk_insert(table, rows)


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _protect():
    postgresql_ = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY + NEVER_DELETED:
        verbs = ("UPDATE", "DELETE") if table in APPEND_ONLY else ("DELETE",)
        if postgresql_:
            # fieldcase_refuse_change() was created with the audit table (0001).
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(verbs)}
                           ON {table} FOR EACH ROW EXECUTE FUNCTION fieldcase_refuse_change()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE
                           ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fieldcase_refuse_change()""")
        else:
            for verb in verbs:
                op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                               BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for name in SUBJECT_KEY_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for table in ("officer_conflicts", "officer_absences", "officer_certificates",
                  "inspection_targets", "target_credit_classes", "target_items", "targets"):
        op.drop_table(table)
