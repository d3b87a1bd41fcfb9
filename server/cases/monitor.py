"""What supervisors watch: cases near or past a deadline, and the 查处率 / 结案率 rates.

`compute_rates(period, group_by)` is the dashboard's entry point (server/oversight/ reads it):
- 查处率 (handling rate): findings of approved inspections in the period (by inspection date)
  whose confirmed disposition acts (责令改正, 简易程序, 立案: models.ACTING_KINDS), over all
  such findings. 不予处罚 is a disposition, but not an action, so it is not counted as handled.
- 结案率 (closing rate): cases opened (立案 approved) in the period that are closed, over those
  opened. Both are None when the denominator is 0.
Groups: None (the whole bureau), "team" (the inspection's team), "officer" (each officer of the
inspection counts the finding or case once).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from ..accounts.models import Team, User
from ..clock import to_local
from ..extensions import db
from ..inspections.models import Inspection
from .case_flow import can_view_case
from .case_models import Case
from .deadlines import case_deadlines
from .findings import failed_items
from .models import ACTING_KINDS, Disposition

GROUPS = (None, "team", "officer")


def deadline_warnings(today: date, warn_days: int | None = None) -> list[dict]:
    """Every open case of the bureau with a deadline near, past or not computable, most urgent
    first, each with its team: what the bureau-wide early-warning scan (server/oversight/) raises."""
    cases = db.session.execute(sa.select(Case).where(Case.status.not_in(("closed", "rejected")))
                               .order_by(Case.id)).unique().scalars()
    found = []
    for case in cases:
        for d in case_deadlines(case, today, warn_days):
            if d["state"] in ("near", "overdue", "unknown"):
                found.append({"case_id": case.id, "number": case.number, "party_name": case.party_name,
                              "status": case.status, "team_id": case.team_id, "case": case, **d})
    order = {"overdue": 0, "unknown": 1, "near": 2}
    return sorted(found, key=lambda w: (order[w["state"]], w["due"] or date.max, w["case_id"]))


def case_warnings(user: User, today: date, warn_days: int | None = None) -> list[dict]:
    """Open cases `user` may see with a deadline near, past or not computable; most urgent first."""
    found = [w for w in deadline_warnings(today, warn_days) if can_view_case(user, w["case"])]
    return [{k: v for k, v in w.items() if k not in ("case", "team_id")} for w in found]


def _labels(group_by, team_ids, user_ids) -> dict:
    if group_by == "team":
        return {t.id: t.name for t in db.session.execute(sa.select(Team).where(Team.id.in_(team_ids))).scalars()}
    if group_by == "officer":
        return {u.id: u.display_name for u in db.session.execute(
            sa.select(User).where(User.id.in_(user_ids))).unique().scalars()}
    return {None: "全局"}


def _groups(group_by, inspection: Inspection) -> list:
    if group_by == "team":
        return [inspection.team_id]
    if group_by == "officer":
        return [o.user_id for o in inspection.officers]
    return [None]


def compute_rates(period: tuple[date, date], group_by: str | None = None) -> list[dict]:
    """查处率 and 结案率 per group for the local dates `period` (both ends included)."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    start, end = period
    counts = defaultdict(lambda: {"findings": 0, "handled": 0, "opened": 0, "closed": 0})
    acting = {(d.inspection_uuid, d.item_id) for d in db.session.execute(
        sa.select(Disposition).where(Disposition.status == "confirmed",
                                     Disposition.kind.in_(ACTING_KINDS))).unique().scalars()}
    inspections = db.session.execute(sa.select(Inspection).where(
        Inspection.status == "approved", Inspection.failed_checks > 0)).unique().scalars()
    for inspection in inspections:
        if not start <= to_local(inspection.started_at).date() <= end:
            continue
        for finding in failed_items(inspection):
            handled = (inspection.uuid, finding["item_id"]) in acting
            for group in _groups(group_by, inspection):
                counts[group]["findings"] += 1
                counts[group]["handled"] += handled
    cases = db.session.execute(sa.select(Case).where(Case.opened_on.between(start, end))).unique().scalars()
    for case in cases:
        inspection = db.session.get(Inspection, case.inspection_uuid)
        for group in _groups(group_by, inspection):
            counts[group]["opened"] += 1
            counts[group]["closed"] += case.status == "closed"
    labels = _labels(group_by, [k for k in counts if k is not None], [k for k in counts if k is not None])
    return [{"group": key, "label": labels.get(key, str(key)), **c,
             "handling_rate": c["handled"] / c["findings"] if c["findings"] else None,
             "closing_rate": c["closed"] / c["opened"] if c["opened"] else None}
            for key, c in sorted(counts.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))]

