"""A draw's secret seed (a plan's, a review sample's) is stored sealed until the draw
(server/draws/sealing.py).

Revision ID: 0027_sealed_seed
Revises: 0025_sequencer

The seed of every plan not drawn (committed, or cancelled after its commitment) and of every
review sample not drawn is sealed with the server's key (AES-256-GCM, key derived from the audit
signing key in STORAGE_DIR); what was drawn keeps its revealed seed. `seed` widens to 100
characters on PostgreSQL. The rewrite triggers of 0011 and 0024 now let the draw replace the
sealed seed by the revealed one (and nothing else change it), and new triggers refuse an unsealed
seed on anything not drawn. Downgrading opens the sealed seeds again (it needs the same key).
"""
import sqlalchemy as sa
from alembic import op

revision = "0027_sealed_seed"
down_revision = "0025_sequencer"
branch_labels = None
depends_on = None

# Per table: columns never changed, columns fixed once committed (less `seed`, which the draw
# reveals), the condition under which nothing changes any more, the trigger's message, and the
# sealed seed's subject (server/draws/sealing.py) from the row's id and quarter.
TABLES = {
    "random_plans": {
        "fixed": ("id", "title", "form_id", "supervision_items", "categories", "area_code", "rules",
                  "exclusion_days", "period_start", "period_end", "team_id", "created_by_id",
                  "created_at"),
        "committed": ("seed_sha256", "inputs", "inputs_sha256", "commitment_digest", "committed_at"),
        "final": "OLD.status IN ('drawn', 'cancelled')",
        "message": "a drawn or cancelled plan, and what a plan committed to, cannot change",
        "subject": lambda row: f"plan:{row.id}",
    },
    "review_samples": {
        "fixed": ("id", "quarter", "committed_by_id", "committed_at", "seed_sha256", "inputs",
                  "inputs_sha256", "commitment_digest"),
        "committed": (),
        "final": "OLD.status = 'drawn'",
        "message": "what a review sample committed to, and a drawn sample, cannot change",
        "subject": lambda row: f"review-sample:{row.quarter}",
    },
}
UNSEALED = "a seed not drawn yet cannot change to an unsealed one"
UNSEALED_CONDITION = "NEW.seed IS NOT NULL AND NEW.status <> 'drawn' AND NEW.seed NOT LIKE 'sealed:%'"
# per event; an update of something drawn is refused by the rewrite trigger already
SEALED_TRIGGERS = {"insert": UNSEALED_CONDITION,
                   "update": f"OLD.status <> 'drawn' AND {UNSEALED_CONDITION}"}


def _changed(column, postgresql):
    return (f"NEW.{column} IS DISTINCT FROM OLD.{column}" if postgresql
            else f"NEW.{column} IS NOT OLD.{column}")


def _rewrite_condition(spec, postgresql, sealed):
    def any_changed(columns):
        return " OR ".join(_changed(c, postgresql) for c in columns)

    fixed, committed = spec["fixed"], spec["committed"]
    if not sealed:  # as 0011 and 0024 made it: the seed never changes once committed
        fixed, committed = (fixed, ("seed", *committed)) if committed else (("seed", *fixed), committed)
    condition = f"{any_changed(fixed)} OR {spec['final']}"
    if committed:
        condition += f" OR (OLD.committed_at IS NOT NULL AND ({any_changed(committed)}))"
    if sealed:  # only the draw (committed -> drawn) replaces the sealed seed, by the revealed one
        condition += (f" OR (OLD.committed_at IS NOT NULL AND {_changed('seed', postgresql)} "
                      "AND NOT (OLD.status = 'committed' AND NEW.status = 'drawn'))")
    return condition


def _create_triggers(postgresql, sealed):
    for table, spec in TABLES.items():
        condition, message = _rewrite_condition(spec, postgresql, sealed), spec["message"]
        if postgresql:
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} FOR EACH ROW
                           WHEN ({condition}) EXECUTE FUNCTION fieldcase_refuse_rewrite('{message}')""")
        else:
            op.execute(f"""CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table}
                           WHEN {condition} BEGIN SELECT RAISE(ABORT, '{table}: {message}'); END""")
        for event, when in SEALED_TRIGGERS.items() if sealed else ():
            if postgresql:
                op.execute(f"""CREATE TRIGGER {table}_sealed_seed_{event} BEFORE {event.upper()}
                               ON {table} FOR EACH ROW WHEN ({when})
                               EXECUTE FUNCTION fieldcase_refuse_rewrite('{UNSEALED}')""")
            else:
                op.execute(f"""CREATE TRIGGER {table}_sealed_seed_{event} BEFORE {event.upper()}
                               ON {table} WHEN {when}
                               BEGIN SELECT RAISE(ABORT, '{table}: {UNSEALED}'); END""")


def _drop_triggers(postgresql, sealed):
    for table in TABLES:
        on = f" ON {table}" if postgresql else ""
        op.execute(f"DROP TRIGGER {table}_no_rewrite{on}")
        for event in SEALED_TRIGGERS if sealed else ():
            op.execute(f"DROP TRIGGER {table}_sealed_seed_{event}{on}")


def _rewrite_seeds(bind, change):
    """Each seed not drawn, through change(seed, subject, seed_sha256); the key is read only when
    there is one."""
    for table, spec in TABLES.items():
        quarter = "quarter" if table == "review_samples" else "NULL AS quarter"
        rows = bind.execute(sa.text(f"SELECT id, {quarter}, seed, seed_sha256 FROM {table} "
                                    "WHERE seed IS NOT NULL AND status <> 'drawn' ORDER BY id")).all()
        for row in rows:
            bind.execute(sa.text(f"UPDATE {table} SET seed = :seed WHERE id = :id"),
                         {"seed": change(row.seed, spec["subject"](row), row.seed_sha256), "id": row.id})


def _seed_width(postgresql, width):
    for table in TABLES if postgresql else ():
        op.execute(f"ALTER TABLE {table} ALTER COLUMN seed TYPE varchar({width})")


def upgrade():
    from server.draws.sealing import seal_seed, seed_key

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    _drop_triggers(postgresql, sealed=False)
    _seed_width(postgresql, 100)
    _rewrite_seeds(bind, lambda seed, subject, sha: seal_seed(seed, subject, sha, seed_key()))
    _create_triggers(postgresql, sealed=True)


def downgrade():
    from server.draws.sealing import seed_key, unseal_seed

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    _drop_triggers(postgresql, sealed=True)
    _rewrite_seeds(bind, lambda seed, subject, sha: unseal_seed(seed, subject, sha, seed_key()))
    _seed_width(postgresql, 64)
    _create_triggers(postgresql, sealed=False)
