"""`flask demo seed` gives a draw something to draw from: targets of every category and class,
officers certified for domains; seeding again changes nothing, and the log vouches for it all."""
from __future__ import annotations

import sqlalchemy as sa

from server.clock import local_today
from server.extensions import db
from server.officers.service import eligible_officers
from server.targets.models import CATEGORIES, CREDIT_CLASSES, Target


def test_demo_seed_fills_both_directories_once(runner, app):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    targets = db.session.execute(sa.select(Target)).scalars().all()
    assert len(targets) >= 30
    assert {t.category for t in targets} == set(CATEGORIES)
    assert {t.credit_class for t in targets} == set(CREDIT_CLASSES)
    assert len(eligible_officers("overload", local_today())) == 6
    assert [o.username for o in eligible_officers("ship_pollution", local_today())] == [
        "officer3", "officer4", "supervisor1", "supervisor2"]
    before = db.session.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    db.session.remove()
    assert db.session.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar() == before
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
