"""A small directory for plans: vehicles of every credit class that the overload form applies
to, and officers certified for overload (officer1, officer2, officer3, officer4)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.accounts.models import User
from server.clock import local_today
from server.extensions import db
from server.officers.service import add_certificate, declare_conflict
from server.targets.models import Target
from server.targets.service import load_targets

CLASSES = {"A": 10, "B": 6, "C": 4, "D": 2}


def plate(cls: str, i: int) -> str:
    return f"浙F{cls}{i:04d}"


@pytest.fixture
def directory(app, personas, create_user):
    create_user("officer4", team="A")
    today = local_today()
    rows = [{"category": "vehicle", "key": plate(cls, i), "name": plate(cls, i), "credit_code": None,
             "licence_numbers": [], "address": None, "area_code": "330424", "area_name": "海盐县",
             "latitude": None, "longitude": None, "form_ids": ["overload"], "credit_class": cls,
             "class_effective": today}
            for cls, count in CLASSES.items() for i in range(count)]
    load_targets(rows, actor=personas["admin"], source="manual")
    for user in db.session.execute(sa.select(User).where(User.username.like("officer%"))).scalars():
        add_certificate(user, number=f"ZJ-{user.username}", domains=["overload"],
                        valid_from=today - timedelta(days=30), valid_until=today + timedelta(days=365),
                        actor=personas["admin"])
    # officer3 declared a conflict with one A-class vehicle (回避).
    officer3 = db.session.execute(sa.select(User).filter_by(username="officer3")).scalar_one()
    target = db.session.execute(sa.select(Target).filter_by(key=plate("A", 1))).scalar_one()
    declare_conflict(officer3, target.id, reason="亲属任该公司驾驶员", actor=officer3)
    db.session.commit()


PLAN = {"title": "2026 年第四季度公路超限超载双随机抽查", "form_id": "overload", "categories": ["vehicle"],
        "area_code": "3304", "exclusion_days": 90,
        "classes": {"A": {"share": "0.10"}, "B": {"share": "0.20"}, "C": {"count": 1}}}


def plan_body(**overrides) -> dict:
    today = local_today()
    return {**PLAN, "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=30)).isoformat(), **overrides}


def drawn_plan(login_as):
    """A plan created, approved, committed and drawn by supervisor1: (client, id, commit, draw)."""
    boss = login_as("supervisor1")
    answer = boss.post("/api/plans", json=plan_body())
    assert answer.status_code == 201, answer.json
    plan_id = answer.json["id"]
    assert boss.post(f"/api/plans/{plan_id}/approve", json={"expected_status": "draft"}).status_code == 200
    committed = boss.post(f"/api/plans/{plan_id}/commit", json={"expected_status": "approved"})
    assert committed.status_code == 200, committed.json
    drawn = boss.post(f"/api/plans/{plan_id}/draw",
                      json={"expected_status": "committed", "witness_value": "福彩3D 2026331期 407"})
    assert drawn.status_code == 200, drawn.json
    return boss, plan_id, committed.json, drawn.json
