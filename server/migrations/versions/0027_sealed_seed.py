"""A plan's secret seed is stored sealed until the draw (server/draws/sealing.py).

Revision ID: 0027_sealed_seed
Revises: 0025_sequencer

The seed of every plan not drawn (committed, or cancelled after its commitment) is sealed with
the server's key (AES-256-GCM, key derived from the audit signing key in STORAGE_DIR); a drawn
plan keeps its revealed seed. `seed` widens to 100 characters on PostgreSQL. The rewrite trigger
of 0011 now lets the draw replace the sealed seed by the revealed one (and nothing else change
it), and a new trigger refuses an unsealed seed on a plan not drawn. Downgrading opens the sealed
seeds again (it needs the same key).
"""
import sqlalchemy as sa
from alembic import op

revision = "0027_sealed_seed"
down_revision = "0025_sequencer"
branch_labels = None
depends_on = None

# 0011's columns fixed once committed, less `seed` (which the draw reveals).
PLAN_COMMITTED = ("seed_sha256", "inputs", "inputs_sha256", "commitment_digest", "committed_at")
PLAN_FIXED = ("id", "title", "form_id", "supervision_items", "categories", "area_code", "rules",
              "exclusion_days", "period_start", "period_end", "team_id", "created_by_id",
              "created_at")
REWRITE = "a drawn or cancelled plan, and what a plan committed to, cannot change"
UNSEALED = "a plan not drawn cannot change to an unsealed seed"


def _changed(column, postgresql):
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _rewrite_condition(postgresql, sealed):
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    committed = PLAN_COMMITTED if sealed else ("seed", *PLAN_COMMITTED)
    condition = (f"{any_changed(PLAN_FIXED)} OR OLD.status IN ('drawn', 'cancelled') "
                 f"OR (OLD.committed_at IS NOT NULL AND ({any_changed(committed)}))")
    if sealed:
        # Only the draw (committed -> drawn) replaces the sealed seed, by the revealed one.
        condition += (f" OR (OLD.committed_at IS NOT NULL AND {_changed('seed', postgresql)} "
                      "AND NOT (OLD.status = 'committed' AND NEW.status = 'drawn'))")
    return condition


UNSEALED_CONDITION = "NEW.seed IS NOT NULL AND NEW.status <> 'drawn' AND NEW.seed NOT LIKE 'sealed:%'"
# per event; a drawn plan's update is refused by the rewrite trigger already
SEALED_TRIGGERS = {"insert": UNSEALED_CONDITION,
                   "update": f"OLD.status <> 'drawn' AND {UNSEALED_CONDITION}"}


def _create_triggers(postgresql, sealed):
    condition = _rewrite_condition(postgresql, sealed)
    if postgresql:
        op.execute(f"""CREATE TRIGGER random_plans_no_rewrite BEFORE UPDATE ON random_plans FOR EACH ROW
                       WHEN ({condition}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{REWRITE}')""")
        for event, when in SEALED_TRIGGERS.items() if sealed else ():
            op.execute(f"""CREATE TRIGGER random_plans_sealed_seed_{event} BEFORE {event.upper()}
                           ON random_plans FOR EACH ROW WHEN ({when})
                           EXECUTE FUNCTION fieldcase_refuse_rewrite('{UNSEALED}')""")
        return
    op.execute(f"""CREATE TRIGGER random_plans_no_rewrite BEFORE UPDATE ON random_plans
                   WHEN {condition} BEGIN SELECT RAISE(ABORT, 'random_plans: {REWRITE}'); END""")
    for event, when in SEALED_TRIGGERS.items() if sealed else ():
        op.execute(f"""CREATE TRIGGER random_plans_sealed_seed_{event} BEFORE {event.upper()}
                       ON random_plans WHEN {when}
                       BEGIN SELECT RAISE(ABORT, 'random_plans: {UNSEALED}'); END""")


def _drop_triggers(postgresql, sealed):
    on = " ON random_plans" if postgresql else ""
    op.execute(f"DROP TRIGGER random_plans_no_rewrite{on}")
    for event in SEALED_TRIGGERS if sealed else ():
        op.execute(f"DROP TRIGGER random_plans_sealed_seed_{event}{on}")


def _rewrite_seeds(bind, change):
    rows = bind.execute(sa.text("SELECT id, seed, seed_sha256 FROM random_plans "
                                "WHERE seed IS NOT NULL AND status <> 'drawn' ORDER BY id")).all()
    for plan_id, seed, seed_sha256 in rows:  # the key is read only when there is a seed to change
        bind.execute(sa.text("UPDATE random_plans SET seed = :seed WHERE id = :id"),
                     {"seed": change(seed, plan_id, seed_sha256), "id": plan_id})


def upgrade():
    from server.draws.sealing import seal_seed, seed_key

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    _drop_triggers(postgresql, sealed=False)
    if postgresql:
        op.execute("ALTER TABLE random_plans ALTER COLUMN seed TYPE varchar(100)")
    _rewrite_seeds(bind, lambda seed, plan_id, sha: seal_seed(seed, plan_id, sha, seed_key()))
    _create_triggers(postgresql, sealed=True)


def downgrade():
    from server.draws.sealing import seed_key, unseal_seed

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    _drop_triggers(postgresql, sealed=True)
    _rewrite_seeds(bind, lambda seed, plan_id, sha: unseal_seed(seed, plan_id, sha, seed_key()))
    if postgresql:
        op.execute("ALTER TABLE random_plans ALTER COLUMN seed TYPE varchar(64)")
    _create_triggers(postgresql, sealed=False)
