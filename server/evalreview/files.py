"""Which files a quarter's review sample is drawn from: the cases closed (结案) in the quarter and
the inspections approved in it that led to no case, each with the officers who handled it (whose
results it counts for), its team, and everyone involved in it (who may not review it)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..accounts.models import Team, User
from ..cases.case_models import Case, CaseStep
from ..clock import LOCAL_ZONE
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection, InspectionOfficer
from ..review.models import ReviewAction

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text: str) -> tuple[date, date]:
    """'2026-Q3' -> (2026-07-01, 2026-09-30), the quarter's first and last local days."""
    match = QUARTER.match(text or "")
    if not match:
        raise ApiError("evalreview.quarter_invalid")
    year, number = int(match[1]), int(match[2])
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, after - timedelta(days=1)


def _usernames(ids) -> list[str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return []
    return sorted(db.session.execute(sa.select(User.username).where(User.id.in_(ids))).scalars())


def _officers_of(inspection_uuids) -> dict:
    rows = db.session.execute(sa.select(InspectionOfficer.inspection_uuid, InspectionOfficer.user_id)
                              .where(InspectionOfficer.inspection_uuid.in_(inspection_uuids))).all()
    officers: dict = {}
    for record, user_id in rows:
        officers.setdefault(record, set()).add(user_id)
    return officers


def _teams() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Team.id, Team.name)).all())


def eligible_files(first: date, last: date) -> list[dict]:
    """[{"id", "kind", "closed_on", "team", "officers", "involved"}], sorted by id."""
    teams = _teams()
    files = []
    cases = db.session.execute(sa.select(Case).where(
        Case.status == "closed", Case.closed_on >= first, Case.closed_on <= last)).unique().scalars().all()
    case_officers = _officers_of([c.inspection_uuid for c in cases])
    for case in cases:
        handlers = case_officers.get(case.inspection_uuid, set())
        actors = db.session.execute(sa.select(CaseStep.actor_id).where(CaseStep.case_id == case.id)).scalars()
        involved = handlers | {case.proposed_by_id, case.opened_by_id, case.decided_by_id, *actors}
        files.append({"id": f"case:{case.number}", "kind": "case", "closed_on": case.closed_on.isoformat(),
                      "team": teams.get(case.team_id, ""), "officers": _usernames(handlers),
                      "involved": _usernames(involved)})
    start = datetime.combine(first, datetime.min.time(), LOCAL_ZONE)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_ZONE)
    approvals = db.session.execute(
        sa.select(Inspection, ReviewAction.acted_at).join(ReviewAction, sa.and_(
            ReviewAction.inspection_uuid == Inspection.uuid, ReviewAction.action == "approve"))
        .where(Inspection.status == "approved", ReviewAction.acted_at >= start, ReviewAction.acted_at < end,
               ~sa.exists().where(Case.inspection_uuid == Inspection.uuid))).unique().all()
    record_officers = _officers_of([i.uuid for i, _ in approvals])
    for inspection, approved_at in approvals:
        handlers = record_officers.get(inspection.uuid, set())
        reviewers = db.session.execute(sa.select(ReviewAction.actor_id).where(
            ReviewAction.root_uuid == inspection.root_uuid)).scalars()
        files.append({"id": f"inspection:{inspection.uuid}", "kind": "inspection",
                      "closed_on": approved_at.astimezone(LOCAL_ZONE).date().isoformat(),
                      "team": teams.get(inspection.team_id, ""), "officers": _usernames(handlers),
                      "involved": _usernames(handlers | {inspection.submitted_by_id, *reviewers})})
    return sorted(files, key=lambda f: f["id"])
