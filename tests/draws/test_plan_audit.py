"""`audit verify` checks plans and tasks against the entries that vouch for them: an untouched
history verifies; a swapped seed, an edited input list, a rewritten result or task is named."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from server.draws.models import Plan, Task
from tests.audit.tampering import tamper

from .conftest import drawn_plan


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


@pytest.fixture
def drawn(app, directory, login_as):
    _, plan_id, _, draw = drawn_plan(login_as)
    return plan_id, draw


def test_an_untouched_plan_and_its_tasks_verify(runner, drawn):
    code, output = verify(runner)
    assert code == 0, output


def _json(value):
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("column, change, named", [
    ("seed", lambda plan: "ab" * 32, "seed_sha256 (SHA-256 of the stored secret seed)"),
    ("inputs", lambda plan: {**plan.inputs, "conflicts": [{"officer": "officer1", "target": "x"}]},
     "inputs_sha256 (SHA-256 of the stored input lists)"),
    ("result", lambda plan: plan.result[1:], "result_sha256 (SHA-256 of the stored draw result)"),
    ("witness_value", lambda plan: "another value", "witness_value"),
])
def test_a_rewritten_plan_is_named(runner, drawn, column, change, named):
    plan_id, _ = drawn
    from server.extensions import db
    plan = db.session.get(Plan, plan_id)
    tamper(sa.update(Plan).where(Plan.id == plan_id).values({column: change(plan)}))
    code, output = verify(runner)
    assert code == 1, output
    assert f"random_plans plan {plan_id}: altered: {named}" in output, output


def test_a_task_given_to_other_officers_is_named(runner, drawn, personas):
    from server.extensions import db
    task = db.session.execute(sa.select(Task).limit(1)).scalar_one()
    others = [u.id for name, u in personas.items() if name.startswith("officer")
              and u.id not in (task.officer1_id, task.officer2_id)]
    task_id = task.id
    tamper(sa.update(Task).where(Task.id == task_id).values(officer1_id=others[0]))
    code, output = verify(runner)
    assert code == 1 and f"plan_tasks task {task_id}: altered: officers" in output, output
