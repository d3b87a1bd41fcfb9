"""What the audit log vouches for about dispositions, follow-up tasks, cases, their steps and
payments, for `audit verify` (see server/audit/vouched.py).

- `dispositions` and `cases` change state: each entry commits to the columns it set (a
  disposition's entries to every column of FACTS, a case's `case.*` entries to `set`); the row
  must hold the values the last entry setting each column committed to.
- `follow_up_tasks`: the `follow_up_task.created` entry names every column it set, and
  `follow_up_task.completed` the status and the done_* columns.
- `case_steps` and `case_payments` (append-only): each row against the entry named by `audit_seq`.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .case_models import ACTIONS, Case, CasePayment, CaseStep
from .dispositions import FACTS, TASK_FACTS
from .facts import facts_of, plain
from .models import FOLLOW_UP_DONE_FACTS, Disposition, FollowUpTask

CHUNK = 1000


def _all(model, order):
    last = None
    while True:
        query = sa.select(model).order_by(order).limit(CHUNK)
        if last is not None:
            query = query.where(order > last)
        chunk = db.session.execute(query).unique().scalars().all()
        yield from chunk
        if len(chunk) < CHUNK:
            return
        last = getattr(chunk[-1], order.key)
        db.session.expunge_all()


def _disposition_rows():
    for row in _all(Disposition, Disposition.id):
        yield str(row.id), f"id {row.id}", facts_of(row, FACTS)


DISPOSITIONS = VouchedKind(
    table="dispositions",
    actions=("disposition.proposed", "disposition.decided", "disposition.confirmed",
             "disposition.rejected"),
    expect=lambda entry: [(entry.object_id, dict(entry.details))], rows=_disposition_rows)


def _task_rows():
    for row in _all(FollowUpTask, FollowUpTask.id):
        yield str(row.id), f"id {row.id}", facts_of(row, TASK_FACTS + FOLLOW_UP_DONE_FACTS)


FOLLOW_UP_TASKS = VouchedKind(table="follow_up_tasks", actions=("follow_up_task.created", "follow_up_task.completed"),
                              expect=lambda entry: [(entry.object_id, dict(entry.details))],
                              rows=_task_rows)


def _case_columns() -> tuple[str, ...]:
    return tuple(c.key for c in Case.__table__.columns if c.key != "id")


def _case_rows():
    columns = _case_columns()
    for row in _all(Case, Case.id):
        yield str(row.id), row.number, facts_of(row, columns)


CASE_ACTIONS = tuple(f"case.{a}" for a in ("open", *ACTIONS))
CASES = VouchedKind(table="cases", actions=CASE_ACTIONS,
                    expect=lambda entry: [(entry.object_id, dict(entry.details["set"]))],
                    rows=_case_rows)


def _expect_step(entry: Entry) -> Iterable[tuple[str, dict]]:
    yield str(entry.seq), {"case_id": int(entry.object_id), "action": entry.action.removeprefix("case."),
                           "actor_id": entry.actor_id, "from_status": entry.details["from"],
                           "to_status": entry.details["to"], "details": entry.details["step"],
                           "acted_at": plain(entry.recorded_at)}


def _step_rows():
    for row in _all(CaseStep, CaseStep.id):
        yield str(row.audit_seq), f"id {row.id}", {
            "case_id": row.case_id, "action": row.action, "actor_id": row.actor_id,
            "from_status": row.from_status, "to_status": row.to_status, "details": row.details,
            "acted_at": plain(row.acted_at)}


CASE_STEPS = VouchedKind(table="case_steps", actions=CASE_ACTIONS, expect=_expect_step,
                         rows=_step_rows)


def _expect_payment(entry: Entry) -> Iterable[tuple[str, dict]]:
    step = entry.details["step"]
    yield str(entry.seq), {"case_id": int(entry.object_id), "reference": step["reference"],
                           "amount_fen": step["amount_fen"], "paid_on": step["paid_on"],
                           "source": step["source"], "entered_by_id": entry.actor_id}


def _payment_rows():
    for row in _all(CasePayment, CasePayment.id):
        yield str(row.audit_seq), row.reference, {
            "case_id": row.case_id, "reference": row.reference, "amount_fen": row.amount_fen,
            "paid_on": plain(row.paid_on), "source": row.source, "entered_by_id": row.entered_by_id}


CASE_PAYMENTS = VouchedKind(table="case_payments", actions=("case.record_payment",),
                            expect=_expect_payment, rows=_payment_rows)

KINDS = [DISPOSITIONS, FOLLOW_UP_TASKS, CASES, CASE_STEPS, CASE_PAYMENTS]
