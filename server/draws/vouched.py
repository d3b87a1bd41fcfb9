"""What the audit log vouches for about plans and tasks, for `audit verify` (see
server/audit/vouched.py).

- A plan: what its creation fixed (scope, rules, period), its status and who approved it, the
  commitment (SHA-256 of the stored seed, opened with the server's key while sealed, and of the
  stored input lists must be the ones the `plan.commit` entry published), the draw (witness
  value, final seed, SHA-256 of the result) and a cancellation's reason.
- A task: its plan, target, officers and deadline (`task.created`), the inspection that completed
  it (`task.completed`) and the result as published (`task.published`).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from . import algorithm as alg
from .models import Plan, Task
from .sealing import SeedUnsealable, plan_subject, seed_key, unseal_seed

CHUNK = 500
_LATER = ("approved_by_id", "seed_sha256", "stored_seed_sha256", "inputs_sha256",
          "commitment_digest", "witness_value", "final_seed", "result_sha256", "cancel_reason")


def _expect_plan(entry: Entry) -> Iterable[tuple[str, dict]]:
    details, action = entry.details, entry.action
    if action == "plan.created":
        yield entry.object_id, {**details, "status": "draft", **dict.fromkeys(_LATER)}
        return
    facts = {"status": details["to"]}
    if action == "plan.approve":
        facts["approved_by_id"] = entry.actor_id
    elif action == "plan.commit":
        facts.update(seed_sha256=details["seed_sha256"], stored_seed_sha256=details["seed_sha256"],
                     inputs_sha256=details["inputs_sha256"],
                     commitment_digest=details["commitment_digest"])
    elif action == "plan.draw":
        facts.update(witness_value=details["witness_value"], final_seed=details["final_seed"],
                     result_sha256=details["result_sha256"])
    elif action == "plan.cancel":
        facts["cancel_reason"] = details["reason"]
    yield entry.object_id, facts


def _plan_rows() -> Iterable[tuple[str, str, dict]]:
    from .service import plan_facts

    for plan in _chunks(Plan, Plan.id):
        yield str(plan.id), f"plan {plan.id}", {
            **plan_facts(plan), "status": plan.status, "approved_by_id": plan.approved_by_id,
            "seed_sha256": _stored_seed_sha256(plan),
            "stored_seed_sha256": plan.seed_sha256,
            "inputs_sha256": alg.input_hashes(plan.inputs) if plan.inputs else None,
            "commitment_digest": plan.commitment_digest, "witness_value": plan.witness_value,
            "final_seed": plan.final_seed,
            "result_sha256": (alg.sha256_hex(alg.canonical_bytes(plan.result))
                              if plan.result is not None else None),
            "cancel_reason": plan.cancel_reason}


def _stored_seed_sha256(plan: Plan) -> str | None:
    """SHA-256 of the stored seed, opened with this server's key while sealed; a seed that does
    not open (wrong key, edited or copied value) is named as altered."""
    if plan.seed is None:
        return None
    try:
        return alg.seed_commitment(unseal_seed(plan.seed, plan_subject(plan.id), plan.seed_sha256,
                                                   seed_key()))
    except SeedUnsealable:
        return "unreadable"


def _expect_task(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    if entry.action == "task.created":
        yield entry.object_id, {"plan": details["plan"], "target": details["target"],
                                "officers": details["officers"], "due_on": details["due_on"],
                                "status": "open", "inspection": None, "public_result": None}
    elif entry.action == "task.completed":
        yield entry.object_id, {"status": "done", "inspection": details["inspection"]}
    else:
        yield entry.object_id, {"public_result": details["public_result"]}


def _task_rows() -> Iterable[tuple[str, str, dict]]:
    for task in _chunks(Task, Task.id):
        yield str(task.id), f"task {task.id}", {
            "plan": task.plan_id, "target": task.subject["code"],
            "officers": [task.officer1.username, task.officer2.username],
            "due_on": task.due_on.isoformat(), "status": task.status,
            "inspection": str(task.inspection_uuid) if task.inspection_uuid else None,
            "public_result": task.public_result}


def _chunks(model, key):
    last = None
    while True:
        query = sa.select(model).order_by(key).limit(CHUNK)
        if last is not None:
            query = query.where(key > last)
        rows = db.session.execute(query).unique().scalars().all()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = getattr(rows[-1], key.key)
        db.session.expunge_all()


PLANS = VouchedKind(
    table="random_plans",
    actions=("plan.created", "plan.approve", "plan.commit", "plan.draw", "plan.cancel"),
    expect=_expect_plan, rows=_plan_rows,
    labels={"seed_sha256": "SHA-256 of the stored secret seed",
            "inputs_sha256": "SHA-256 of the stored input lists",
            "result_sha256": "SHA-256 of the stored draw result"})
TASKS = VouchedKind(table="plan_tasks", actions=("task.created", "task.completed", "task.published"),
                    expect=_expect_task, rows=_task_rows)
