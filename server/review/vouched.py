"""What the audit log vouches for about review decisions, for `audit verify` (see
server/audit/vouched.py): each `review_actions` row against the `review.*` entry it names
(`audit_seq`), which holds who decided what, when, on which revision, with which comment, item
comments, opinion and checklist (server/review/service.py writes both in one transaction).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind, keyset_rows
from ..inspections.content import normal_form
from .models import ACTIONS, ReviewAction

CHUNK = 2000


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    details, action = entry.details, entry.action.removeprefix("review.")
    comment = details.get("reason") if action == "send_to_legal_review" else details.get("comment")
    yield str(entry.seq), {
        "action": action, "actor_id": entry.actor_id, "acted_at": _utc(entry.recorded_at),
        "inspection_uuid": entry.object_id, "root_uuid": details["root"],
        "from_status": details["from"], "to_status": details["to"], "comment": comment,
        "item_comments": details.get("item_comments") or None,
        "opinion": details.get("opinion"), "checklist": details.get("checklist")}


def _utc(moment) -> str:
    return normal_form(moment, "acted_at")


def _rows() -> Iterable[tuple[str, str, dict]]:
    for row in keyset_rows(sa.select(ReviewAction), ReviewAction.id, chunk=CHUNK, objects=True):
        yield str(row.audit_seq), f"id {row.id}", {
            "action": row.action, "actor_id": row.actor_id, "acted_at": _utc(row.acted_at),
            "inspection_uuid": str(row.inspection_uuid), "root_uuid": str(row.root_uuid),
            "from_status": row.from_status, "to_status": row.to_status, "comment": row.comment,
            "item_comments": row.item_comments, "opinion": row.opinion,
            "checklist": row.checklist}


REVIEW_ACTIONS = VouchedKind(table="review_actions", actions=tuple(f"review.{a}" for a in ACTIONS),
                             expect=_expect, rows=_rows)
