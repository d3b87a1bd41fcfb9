"""What the audit log vouches for about early warnings, for `audit verify`
(server/audit/vouched.py): each `oversight_warnings` row against `oversight.warning_raised`
(what was raised) and `oversight.warning_acknowledged` (who acknowledged it, when, saying what)."""
from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import Warning
from .warnings import raised_details


def _utc(moment) -> str:
    return moment.astimezone(timezone.utc).isoformat()


OPEN = {"acknowledged_by_id": None, "acknowledged_at": None, "acknowledge_comment": None}


def _expect(entry: Entry):
    if entry.action == "oversight.warning_raised":
        details = dict(entry.details)
        yield str(details.pop("id")), {**details, **OPEN}
    else:
        yield entry.object_id, {"acknowledged_by_id": entry.actor_id,
                                "acknowledged_at": _utc(entry.recorded_at),
                                "acknowledge_comment": entry.details.get("comment")}


def _rows():
    for warning in db.session.execute(sa.select(Warning).order_by(Warning.id)).unique().scalars():
        details = raised_details(warning)
        at = warning.acknowledged_at
        yield str(details.pop("id")), f"id {warning.id}", {
            **details, "acknowledged_by_id": warning.acknowledged_by_id,
            "acknowledged_at": _utc(at) if at else None,
            "acknowledge_comment": warning.acknowledge_comment}


WARNINGS = VouchedKind(table="oversight_warnings",
                       actions=("oversight.warning_raised", "oversight.warning_acknowledged"),
                       expect=_expect, rows=_rows)
