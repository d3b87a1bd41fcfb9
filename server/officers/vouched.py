"""What the audit log vouches for about declared conflicts of interest, for `audit verify` (see
server/audit/vouched.py): the officer, target, reason and declarer of `officer.conflict_declared`,
and the reason of `officer.conflict_withdrawn`. (Certificates are audited but not vouched for:
migration 0010 copied the users' certificates into their table without entries.)
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import ConflictOfInterest


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    if entry.action == "officer.conflict_declared":
        yield entry.object_id, {"user_id": details["user_id"], "target_id": details["target_id"],
                                "reason": details["reason"], "declared_by_id": entry.actor_id,
                                "withdrawn_reason": None}
    else:
        yield entry.object_id, {"withdrawn_reason": details["reason"]}


def _rows() -> Iterable[tuple[str, str, dict]]:
    for row in db.session.execute(sa.select(ConflictOfInterest).order_by(ConflictOfInterest.id)).scalars():
        yield str(row.id), f"id {row.id}", {
            "user_id": row.user_id, "target_id": row.target_id, "reason": row.reason,
            "declared_by_id": row.declared_by_id, "withdrawn_reason": row.withdrawn_reason}


CONFLICTS = VouchedKind(table="officer_conflicts",
                        actions=("officer.conflict_declared", "officer.conflict_withdrawn"),
                        expect=_expect, rows=_rows)
