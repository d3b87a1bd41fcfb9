"""The draw's input lists for a plan, read from the target and officer directories at commitment
(see algorithm.py for their shape). Everything left out is listed in `excluded` with its reason,
so that the public sees that nobody was dropped silently.

Target ids are the directory's natural keys (统一社会信用代码, plate, ship id); officer ids are
usernames. Officers are those with a certificate valid for the plan form's domain on the first
and the last day of the plan's period and present on its first and last day (officers.service.eligible_officers),
of the plan's team when it names one.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..accounts.models import User, UserRole
from ..clock import utcnow
from ..extensions import db
from ..forms import service as forms
from ..inspections.models import Inspection
from ..officers.service import absent_on, conflicts_for, eligible_officers
from ..targets.models import InspectionTarget, Target, TargetItem
from .models import Plan


def plan_domain(plan: Plan) -> str:
    form = next(f for f in forms.current_versions() if f.id == plan.form_id)
    return form.definition["domain"]


def build_inputs(plan: Plan) -> tuple[dict, dict[str, Target], dict[str, User]]:
    """(inputs, target by id, officer by id) for `plan`, as of now."""
    domain = plan_domain(plan)
    excluded: list[dict] = []
    targets, by_target = _targets(plan, domain, excluded)
    officers, by_officer = _officers(plan, domain, excluded)
    conflicts = _conflicts(by_target, by_officer)
    inputs = {"targets": targets, "officers": officers, "conflicts": conflicts,
              "excluded": excluded, "rules": plan.rules}
    return inputs, by_target, by_officer


def _targets(plan: Plan, domain: str, excluded: list) -> tuple[list, dict]:
    query = (sa.select(Target).join(TargetItem, TargetItem.target_id == Target.id)
             .where(TargetItem.form_id == plan.form_id, Target.category.in_(plan.categories),
                    Target.retired_at.is_(None)).order_by(Target.key_kind, Target.key))
    if plan.area_code:
        query = query.where(Target.area_code.startswith(plan.area_code))
    rows = db.session.execute(query).unique().scalars().all()
    recent = _recently_inspected([t.id for t in rows], plan.exclusion_days)
    last_pairs = _last_pairs([t.id for t in rows])
    targets, by_id = [], {}
    for row in rows:
        if row.id in recent:
            excluded.append({"kind": "target", "id": row.key, "reason": "inspected_within_window"})
            continue
        by_id[row.key] = row
        targets.append({"id": row.key, "class": row.credit_class, "domain": domain,
                        "last_pair": last_pairs.get(row.id, [])})
    return targets, by_id


def _recently_inspected(target_ids: list[int], days: int) -> set[int]:
    if not target_ids or days <= 0:
        return set()
    since = utcnow() - timedelta(days=days)
    return set(db.session.execute(
        sa.select(InspectionTarget.target_id).join(
            Inspection, Inspection.uuid == InspectionTarget.inspection_uuid)
        .where(InspectionTarget.target_id.in_(target_ids), Inspection.started_at >= since)).scalars())


def _last_pairs(target_ids: list[int]) -> dict[int, list[str]]:
    """The usernames of the officers of each target's latest inspection, sorted."""
    if not target_ids:
        return {}
    rows = db.session.execute(
        sa.select(InspectionTarget.target_id, Inspection).join(
            Inspection, Inspection.uuid == InspectionTarget.inspection_uuid)
        .where(InspectionTarget.target_id.in_(target_ids)).order_by(Inspection.started_at)
    ).unique().all()
    latest = {}
    for target_id, inspection in rows:
        latest[target_id] = sorted(o.user.username for o in inspection.officers)[:2]
    return latest


def _officers(plan: Plan, domain: str, excluded: list) -> tuple[list, dict]:
    """Eligible (officers.service) on the first and on the last day of the plan's period, of the
    plan's team when it names one; every other active officer is listed as excluded, with why."""
    first = {o.user_id: o for o in eligible_officers(domain, plan.period_start)}
    last = {o.user_id for o in eligible_officers(domain, plan.period_end)}
    team = plan.team.code if plan.team else None
    query = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == "officer", User.disabled_at.is_(None)).order_by(User.username))
    if plan.team_id is not None:
        query = query.where(User.team_id == plan.team_id)
    away = absent_on(plan.period_start) | absent_on(plan.period_end)
    officers, by_id = [], {}
    for user in db.session.execute(query).unique().scalars():
        if user.id not in first or user.id not in last:
            reason = "unavailable" if user.id in away else "no_certificate_for_domain"
            excluded.append({"kind": "officer", "id": user.username, "reason": reason})
            continue
        if team is not None and first[user.id].team != team:
            continue
        by_id[user.username] = user
        officers.append({"id": user.username, "domains": [domain], "team": first[user.id].team})
    return officers, by_id


def _conflicts(by_target: dict[str, Target], by_officer: dict[str, User]) -> list[dict]:
    keys = {t.id: key for key, t in by_target.items()}
    usernames = {u.id: name for name, u in by_officer.items()}
    pairs = [{"officer": usernames[user_id], "target": keys[target_id]}
             for target_id, users in conflicts_for(keys).items()
             for user_id in users if user_id in usernames]
    return sorted(pairs, key=lambda c: (c["target"], c["officer"]))
