"""Review: decisions on revisions (review_actions), review state on inspections.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:00:00

SQLite cannot add a table CHECK to an existing table without rebuilding it (and rebuilding
`inspections` would trip the foreign keys that point at it), so there each new column carries
its constraints inline; PostgreSQL gets the same constraints as table constraints.
"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

# column -> (SQL type on SQLite, SQLAlchemy type, [(constraint name, condition)])
COLUMNS = [
    ('major_decision_reason', 'TEXT', sa.Text(), [
        ('ck_inspections_major_reason',
         "(legal_review_requested_at IS NULL) = (major_decision_reason IS NULL)")]),
    ('legal_review_due_at', 'DATETIME', sa.DateTime(timezone=True), [
        ('ck_inspections_legal_due',
         "(legal_review_requested_at IS NULL) = (legal_review_due_at IS NULL)")]),
    ('legal_opinion', 'VARCHAR(16)', sa.String(16), [
        ('ck_inspections_opinion',
         "legal_opinion IS NULL OR (legal_opinion IN ('agree', 'disagree', 'more_evidence') "
         "AND legal_review_requested_at IS NOT NULL)"),
        ('ck_inspections_in_review',
         "status <> 'in_review' OR (legal_review_requested_at IS NOT NULL AND legal_opinion IS NULL)"),
        ('ck_inspections_approved_major',
         "status <> 'approved' OR legal_review_requested_at IS NULL OR legal_opinion = 'agree'")]),
    ('return_comment', 'TEXT', sa.Text(), [
        ('ck_inspections_return_comment', "(status = 'returned') = (return_comment IS NOT NULL)")]),
    ('return_item_comments', 'JSON', JSON, []),
]

TRANSITIONS = {
    "approve": ("complete", "approved"),
    "return": ("complete", "returned"),
    "send_to_legal_review": ("complete", "in_review"),
    "legal_opinion": ("in_review", "complete"),
}


def _count_failed(answers) -> int:
    if isinstance(answers, dict):
        if answers.get("result") == "fail" and set(answers) <= {"result", "note", "photos"}:
            return 1
        return sum(_count_failed(v) for v in answers.values())
    if isinstance(answers, list):
        return sum(_count_failed(v) for v in answers)
    return 0


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    for name, sqlite_type, sa_type, checks in COLUMNS:
        if sqlite:
            inline = " ".join(f"CONSTRAINT {ck} CHECK ({cond})" for ck, cond in checks)
            op.execute(f"ALTER TABLE inspections ADD COLUMN {name} {sqlite_type} {inline}")
        else:
            op.add_column('inspections', sa.Column(name, sa_type, nullable=True))
            for ck, cond in checks:
                op.create_check_constraint(ck, 'inspections', cond)
    op.add_column('inspections', sa.Column('failed_checks', sa.Integer(), nullable=False,
                                           server_default='0'))
    rows = bind.execute(sa.text("SELECT uuid, answers FROM inspections")).all()
    for uuid, answers in rows:
        answers = json.loads(answers) if isinstance(answers, str) else answers
        failed = _count_failed(answers)
        if failed:
            bind.execute(sa.text("UPDATE inspections SET failed_checks = :n WHERE uuid = :u"),
                         {"n": failed, "u": uuid})

    transitions = " OR ".join(f"(action = '{a}' AND from_status = '{f}' AND to_status = '{t}')"
                              for a, (f, t) in TRANSITIONS.items())
    op.create_table('review_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_uuid', sa.Uuid(), nullable=False),
    sa.Column('root_uuid', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('acted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('item_comments', JSON, nullable=True),
    sa.Column('opinion', sa.String(length=16), nullable=True),
    sa.Column('checklist', JSON, nullable=True),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.CheckConstraint(transitions, name='ck_review_actions_transition'),
    sa.CheckConstraint("(action = 'legal_opinion') = (opinion IS NOT NULL)", name='ck_review_actions_opinion'),
    sa.CheckConstraint("(action = 'legal_opinion') = (checklist IS NOT NULL)", name='ck_review_actions_checklist'),
    sa.CheckConstraint("opinion IS NULL OR opinion IN ('agree', 'disagree', 'more_evidence')",
                       name='ck_review_actions_opinion_value'),
    sa.CheckConstraint("action NOT IN ('return', 'send_to_legal_review') OR comment IS NOT NULL",
                       name='ck_review_actions_comment'),
    sa.CheckConstraint("action = 'return' OR item_comments IS NULL", name='ck_review_actions_item_comments'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['inspection_uuid'], ['inspections.uuid'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_actions_inspection_uuid'), ['inspection_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_actions_root_uuid'), ['root_uuid'], unique=False)


def downgrade():
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_actions_root_uuid'))
        batch_op.drop_index(batch_op.f('ix_review_actions_inspection_uuid'))
    op.drop_table('review_actions')
    bind = op.get_bind()
    names = ['failed_checks'] + [name for name, *_ in reversed(COLUMNS)]
    if bind.dialect.name != 'sqlite':
        for _, _, _, checks in COLUMNS:
            for ck, _ in checks:
                op.drop_constraint(ck, 'inspections', type_='check')
    for name in names:
        op.execute(f"ALTER TABLE inspections DROP COLUMN {name}")
