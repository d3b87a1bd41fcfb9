"""Findings (发现的问题): the check items answered 不符合 in approved inspections.

A finding is not stored on its own: the approved revision holds it (its answers), and an approved
revision is never changed (0008_append_only). Its age counts from the approval, in calendar days
of the bureau's local date, since that is when the finding is established and awaits action.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..accounts.models import User
from ..clock import local_today, to_local
from ..extensions import db
from ..forms import service as forms
from ..inspections.models import Inspection
from ..review.models import ReviewAction
from .models import Disposition


def failed_items(inspection: Inspection) -> list[dict]:
    """The 不符合 check items of `inspection`: id, label, note and violation (code, title, articles)."""
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    found = []
    for item_id, answer in (inspection.answers or {}).items():
        if not (isinstance(answer, dict) and answer.get("result") == "fail"):
            continue
        ref = form.items.get(item_id) if form is not None else None
        item = ref.item if ref is not None else None
        violation = (item or {}).get("violation") or {"code": f"{inspection.form_id}.{item_id}",
                                                     "title": item_id}
        found.append({"item_id": item_id, "label": (item or {}).get("label", item_id),
                      "note": answer.get("note"), "violation": violation})
    return found


def finding_of(inspection: Inspection, item_id: str) -> dict | None:
    return next((f for f in failed_items(inspection) if f["item_id"] == item_id), None)


def approved_on(inspection: Inspection) -> date | None:
    """The local date the revision was approved (None: not approved)."""
    acted = db.session.execute(sa.select(ReviewAction.acted_at).where(
        ReviewAction.inspection_uuid == inspection.uuid, ReviewAction.action == "approve")).scalar()
    return to_local(acted).date() if acted else None


def _scope(user: User):
    """Approved inspections with findings that `user` oversees (a supervisor: the team's)."""
    if user.has_role("admin"):
        return sa.true()
    if user.has_role("supervisor") and user.team_id is not None:
        return Inspection.team_id == user.team_id
    return sa.false()


def pending_findings(user: User, today: date | None = None) -> list[dict]:
    """Findings without a confirmed disposition, oldest approval first, with their age in days
    and the officers' proposal awaiting the supervisor, if any."""
    today = today or local_today()
    rows = db.session.execute(
        sa.select(Inspection, ReviewAction.acted_at)
        .join(ReviewAction, sa.and_(ReviewAction.inspection_uuid == Inspection.uuid,
                                    ReviewAction.action == "approve"))
        .where(Inspection.status == "approved", Inspection.failed_checks > 0, _scope(user))
        .order_by(ReviewAction.acted_at, Inspection.uuid)).unique().all()
    held = {(d.inspection_uuid, d.item_id): d for d in db.session.execute(
        sa.select(Disposition).where(Disposition.status != "rejected", Disposition.inspection_uuid.in_(
            [i.uuid for i, _ in rows]))).unique().scalars()} if rows else {}
    pending = []
    for inspection, approved_at in rows:
        approved = to_local(approved_at).date()
        for finding in failed_items(inspection):
            disposition = held.get((inspection.uuid, finding["item_id"]))
            if disposition is not None and disposition.status == "confirmed":
                continue
            pending.append({**finding, "inspection_uuid": inspection.uuid,
                            "subject_name": inspection.subject_name,
                            "team": inspection.team.name if inspection.team else None,
                            "inspected_on": to_local(inspection.started_at).date(),
                            "approved_on": approved, "age_days": (today - approved).days,
                            "proposal": disposition})
    return pending
