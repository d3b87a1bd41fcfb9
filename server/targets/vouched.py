"""What the audit log vouches for about the target directory, for `audit verify` (see
server/audit/vouched.py):

- a target's facts (service.target_facts): all of them in `target.created`, those that changed
  in each `target.updated`;
- a credit-class history row: its target, class, effective date and source, in its
  `target.credit_class_set` entry;
- the target a record named and the reason given for a revisit: `inspection.submitted` carries
  them (`target`) when the record named one.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import InspectionTarget, Target, TargetCreditClass
from .service import target_facts

CHUNK = 1000


def _chunks(model, order_column):
    last = None
    while True:
        query = sa.select(model).order_by(order_column).limit(CHUNK)
        if last is not None:
            query = query.where(order_column > last)
        chunk = db.session.execute(query).unique().scalars().all()
        yield from chunk
        if len(chunk) < CHUNK:
            return
        last = getattr(chunk[-1], order_column.key)
        db.session.expunge_all()


def _expect_target(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    yield entry.object_id, details["facts"] if entry.action == "target.created" else details["changed"]


def _target_rows() -> Iterable[tuple[str, str, dict]]:
    for target in _chunks(Target, Target.id):
        yield str(target.id), f"id {target.id} ({target.key})", target_facts(target)


TARGETS = VouchedKind(table="targets", actions=("target.created", "target.updated"),
                      expect=_expect_target, rows=_target_rows)


def _expect_class(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    yield str(details["history_id"]), {
        "target_id": int(entry.object_id), "credit_class": details["credit_class"],
        "effective_date": details["effective_date"], "source": details["source"]}


def _class_rows() -> Iterable[tuple[str, str, dict]]:
    for row in _chunks(TargetCreditClass, TargetCreditClass.id):
        yield str(row.id), f"id {row.id}", {
            "target_id": row.target_id, "credit_class": row.credit_class,
            "effective_date": row.effective_date.isoformat(), "source": row.source}


TARGET_CREDIT_CLASSES = VouchedKind(table="target_credit_classes",
                                    actions=("target.credit_class_set",),
                                    expect=_expect_class, rows=_class_rows)


def _expect_named(entry: Entry) -> Iterable[tuple[str, dict]]:
    named = entry.details.get("target")
    if named is not None:
        yield entry.object_id, {"target_id": named["id"], "revisit_reason": named["revisit_reason"]}


def _named_rows() -> Iterable[tuple[str, str, dict]]:
    for row in _chunks(InspectionTarget, InspectionTarget.inspection_uuid):
        key = str(row.inspection_uuid)
        yield key, key, {"target_id": row.target_id, "revisit_reason": row.revisit_reason}


INSPECTION_TARGETS = VouchedKind(table="inspection_targets", actions=("inspection.submitted",),
                                 expect=_expect_named, rows=_named_rows)
