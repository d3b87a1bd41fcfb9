"""What the audit log vouches for about the simple procedure, for `audit verify`
(server/audit/vouched.py): each `simple_decisions` row against its `simple_decision.created`
entry (every column of decisions.FACTS), each `number_blocks` row against its reservation and
closing entries."""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.vouched import VouchedKind, keyset_rows
from ..cases.facts import facts_of
from .blocks import block_facts
from .decisions import FACTS
from .models import NumberBlock, SimpleDecision


def _decision_rows():
    for row in keyset_rows(sa.select(SimpleDecision), SimpleDecision.uuid, chunk=1000, objects=True):
        yield str(row.uuid), f"decision {row.uuid}", facts_of(row, FACTS)


def _expect_decision(entry):
    yield entry.object_id, {k: entry.details[k] for k in FACTS}


def _block_rows():
    for row in keyset_rows(sa.select(NumberBlock), NumberBlock.id, chunk=1000, objects=True):
        yield str(row.uuid), f"block {row.year} {row.first_serial}-{row.last_serial}", {
            **block_facts(row), "closed_reason": row.closed_reason}


def _expect_block(entry):
    if entry.action == "number_block.reserved":
        yield entry.object_id, {**entry.details, "closed_reason": None}
    else:
        yield entry.object_id, {"closed_reason": entry.details["reason"]}


SIMPLE_DECISIONS = VouchedKind(table="simple_decisions", actions=("simple_decision.created",),
                               expect=_expect_decision, rows=_decision_rows)
NUMBER_BLOCKS = VouchedKind(table="number_blocks", actions=("number_block.reserved", "number_block.closed"),
                            expect=_expect_block, rows=_block_rows)
KINDS = [SIMPLE_DECISIONS, NUMBER_BLOCKS]
