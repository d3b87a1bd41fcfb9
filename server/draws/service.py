"""A plan's life: create, approve, commit (seed and inputs), draw (once), cancel; tasks.

Each action names the status the actor saw (`expected_status`): another status answers 409
`plan.stale_status`; an action its status does not allow answers `plan.invalid_transition`.
Each writes its audit entry in the request's transaction; the entries hold what the row holds
(vouched.py checks one against the other).
"""
from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from ..forms import service as forms
from . import algorithm as alg
from .inputs import build_inputs
from .models import TRANSITIONS, Plan, Task
from .sealing import SeedUnsealable, plan_subject, seal_seed, seed_key, unseal_seed
from .tasks import create_tasks

log = logging.getLogger(__name__)


def default_rules() -> dict:
    """The configured share per credit class (DRAW_DEFAULT_SHARES), as the algorithm's rules."""
    text = current_app.config["DRAW_DEFAULT_SHARES"]
    classes = {}
    for part in text.split(","):
        cls, share = part.split("=")
        classes[cls.strip()] = {"share": str(Decimal(share.strip()))}
    return {"classes": classes, "officers_per_target": alg.PAIR_SIZE}


def create_plan(user: User, data: dict) -> Plan:
    if data["form_id"] not in {f.id for f in forms.current_versions()}:
        raise ApiError("plan.unknown_form")
    rules = default_rules()
    for cls, rule in (data.get("classes") or {}).items():
        rules["classes"][cls] = rule
    plan = Plan(title=data["title"], form_id=data["form_id"],
                supervision_items=data.get("supervision_items") or [data["form_id"]],
                categories=data["categories"], area_code=data.get("area_code"), rules=rules,
                exclusion_days=data.get("exclusion_days", current_app.config["DRAW_EXCLUSION_DAYS"]),
                period_start=data["period_start"], period_end=data["period_end"],
                team_id=user.team_id if data.get("own_team_only") else None, status="draft",
                created_by_id=user.id, created_at=utcnow())
    db.session.add(plan)
    db.session.flush()
    record_event("plan.created", actor=user, object_type="plan", object_id=plan.id,
                 details=plan_facts(plan))
    return plan


def plan_facts(plan: Plan) -> dict:
    """What a plan's creation fixes (the audit entry and vouched.py compare these)."""
    return {"title": plan.title, "form_id": plan.form_id, "supervision_items": plan.supervision_items,
            "categories": plan.categories, "area_code": plan.area_code, "rules": plan.rules,
            "exclusion_days": plan.exclusion_days, "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(), "team_id": plan.team_id}


def _check(user: User, plan: Plan, action: str, expected_status: str) -> None:
    if not user.has_role("supervisor"):
        raise ApiError("plan.not_supervisor")
    if plan.status != expected_status:
        raise ApiError("plan.stale_status")
    if plan.status not in TRANSITIONS[action][0]:
        raise ApiError("plan.invalid_transition")


def _move(plan: Plan, action: str, user: User, values: dict, details: dict) -> None:
    """Conditional UPDATE from the status checked: a concurrent change answers 409."""
    before = plan.status
    to = TRANSITIONS[action][1]
    changed = db.session.execute(
        db.update(Plan).where(Plan.id == plan.id, Plan.status == before)
        .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("plan.stale_status")
    db.session.refresh(plan)
    record_event(f"plan.{action}", actor=user, object_type="plan", object_id=plan.id,
                 details={"from": before, "to": to, **details})


def approve_plan(user: User, plan: Plan, expected_status: str) -> None:
    _check(user, plan, "approve", expected_status)
    _move(plan, "approve", user, {"approved_by_id": user.id, "approved_at": utcnow()}, {})


def commit_plan(user: User, plan: Plan, expected_status: str) -> None:
    """Freeze the input lists, draw the secret seed, publish their hashes (audit entry). The seed
    is stored sealed (sealing.py) until the draw."""
    _check(user, plan, "commit", expected_status)
    inputs, by_target, _ = build_inputs(plan)
    if not by_target:
        raise ApiError("plan.no_targets")
    seed = secrets.token_hex(alg.SEED_BYTES)
    seed_sha256 = alg.seed_commitment(seed)
    hashes = alg.input_hashes(inputs)
    digest = alg.commitment_digest(seed_sha256, hashes)
    sealed = seal_seed(seed, plan_subject(plan.id), seed_sha256, seed_key())
    _move(plan, "commit", user, {"committed_at": utcnow(), "seed": sealed, "seed_sha256": seed_sha256,
                                 "inputs": inputs, "inputs_sha256": hashes,
                                 "commitment_digest": digest},
          {"seed_sha256": seed_sha256, "inputs_sha256": hashes, "commitment_digest": digest})


def draw_plan(user: User, plan: Plan, expected_status: str, witness_value: str) -> list[Task]:
    """Run the draw once with the witness's value, reveal the seed, make the tasks."""
    _check(user, plan, "draw", expected_status)
    seed = revealed_seed(plan)
    final = alg.final_seed(seed, witness_value)
    result = alg.run_draw(plan.inputs, final)
    _move(plan, "draw", user, {"drawn_at": utcnow(), "drawn_by_id": user.id, "seed": seed,
                               "witness_value": witness_value, "final_seed": final.hex(),
                               "result": result},
          {"witness_value": witness_value, "seed": seed, "final_seed": final.hex(),
           "result_sha256": alg.sha256_hex(alg.canonical_bytes(result))})
    return create_tasks(user, plan)


def revealed_seed(plan: Plan) -> str:
    """The plan's secret seed (hex), opened with this server's key; a key that does not open it
    refuses (`plan.seed_unsealable`), so that nothing is ever drawn with another seed."""
    try:
        return unseal_seed(plan.seed, plan_subject(plan.id), plan.seed_sha256, seed_key())
    except SeedUnsealable as error:
        log.error("draw refused: %s", error)
        raise ApiError("plan.seed_unsealable") from error


def cancel_plan(user: User, plan: Plan, expected_status: str, reason: str) -> None:
    _check(user, plan, "cancel", expected_status)
    _move(plan, "cancel", user, {"cancelled_at": utcnow(), "cancel_reason": reason},
          {"reason": reason})


def get_plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise ApiError("plan.not_found")
    return plan
