"""What the public sees of plans, draws and results, as JSON values; the HTML pages render the
very same values. Officers appear with their names and certificate numbers (谁执法谁公示); every
other text passes through the redaction module; the secret seed only after the draw.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..clock import to_local
from ..draws import algorithm as alg
from ..draws.models import STATUS_LABELS, Plan, Task
from ..draws.redaction import redact
from ..extensions import db
from ..officers.models import OfficerCertificate

PUBLIC_STATUSES = ("committed", "drawn", "cancelled")


def public_plans() -> list[Plan]:
    return list(db.session.execute(sa.select(Plan).where(Plan.committed_at.is_not(None))
                                   .order_by(Plan.id.desc())).unique().scalars())


def public_plan(plan_id: int) -> Plan | None:
    plan = db.session.get(Plan, plan_id)
    return plan if plan is not None and plan.committed_at is not None else None


def _local(moment) -> str | None:
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def plan_summary(plan: Plan) -> dict:
    return {"id": plan.id, "number": plan.number, "title": redact(plan.title),
            "status": plan.status, "status_label": STATUS_LABELS[plan.status],
            "period": {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
            "form_id": plan.form_id, "supervision_items": plan.supervision_items,
            "categories": plan.categories, "area_code": plan.area_code, "rules": plan.rules,
            "exclusion_days": plan.exclusion_days,
            "committed_at": _local(plan.committed_at), "seed_sha256": plan.seed_sha256,
            "inputs_sha256": plan.inputs_sha256, "commitment_digest": plan.commitment_digest,
            "drawn_at": _local(plan.drawn_at), "cancelled_at": _local(plan.cancelled_at),
            "cancel_reason": redact(plan.cancel_reason) if plan.cancel_reason else None}


def plan_detail(plan: Plan) -> dict:
    view = plan_summary(plan)
    if plan.status != "drawn":
        return view
    officers = _officer_cards({o for row in plan.result for o in row["officers"]})
    tasks = {t.subject["code"]: t for t in db.session.execute(
        sa.select(Task).where(Task.plan_id == plan.id)).unique().scalars()}
    view["draw"] = {"witness_value": plan.witness_value, "seed": plan.seed,
                    "final_seed": plan.final_seed}
    view["drawn"] = [_drawn_row(row, officers, tasks.get(row["target"])) for row in plan.result]
    return view


def _drawn_row(row: dict, officers: dict, task: Task | None) -> dict:
    result = None
    if task is not None and task.published_at is not None:
        result = {**task.public_result, "published_at": _local(task.published_at)}
    return {"target": row["target"], "class": row["class"],
            "name": redact(task.subject["name"]) if task else None,
            "officers": [officers[o] for o in row["officers"]],
            "unassigned": row.get("unassigned"), "result": result}


def _officer_cards(usernames: set[str]) -> dict[str, dict]:
    users = db.session.execute(sa.select(User).where(User.username.in_(usernames))).unique().scalars()
    cards = {}
    for user in users:
        certificate = db.session.execute(sa.select(OfficerCertificate.number).where(
            OfficerCertificate.user_id == user.id).order_by(OfficerCertificate.valid_until.desc())
            .limit(1)).scalar() or user.certificate_number
        cards[user.username] = {"id": user.username, "name": user.display_name,
                                "certificate_number": certificate}
    return cards


def plan_document(plan: Plan) -> dict:
    """plan.json: exactly what `python -m server.verify_draw` takes."""
    return {"format": alg.FORMAT,
            "plan": {"id": plan.id, "number": plan.number, "title": redact(plan.title),
                     "form_id": plan.form_id, "period_start": plan.period_start.isoformat(),
                     "period_end": plan.period_end.isoformat()},
            "inputs": plan.inputs,
            "commitment": {"seed_sha256": plan.seed_sha256, "inputs_sha256": plan.inputs_sha256,
                           "digest": plan.commitment_digest,
                           "committed_at": _local(plan.committed_at)},
            "draw": None if plan.status != "drawn" else {
                "seed": plan.seed, "witness_value": plan.witness_value,
                "final_seed": plan.final_seed, "drawn_at": _local(plan.drawn_at),
                "result": plan.result}}
