"""What the desk reads about one case: its facts, deadlines, steps, documents, what I may do."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..clock import local_today
from ..errors import ApiError
from ..extensions import db
from ..workdays import CalendarYearUnknown
from .archiving import archive_view
from .case_flow import allowed_actions, can_view_case, reckoning_day
from .case_models import ACTION_LABELS, STATUS_LABELS, Case
from .deadlines import amount_owed_fen, case_deadlines, late_fee_fen
from .documents import documents_view


def get_visible_case(user: User, case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise ApiError("request.not_found", "案件不存在或您无权查看。")
    return case


def list_cases(user: User) -> list[Case]:
    cases = db.session.execute(sa.select(Case).order_by(Case.id.desc())).unique().scalars()
    return [c for c in cases if can_view_case(user, c)]


def case_view(user: User, case: Case) -> dict:
    today = local_today()
    view = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    # Owed as of the last payment: a fine paid in full stays paid; unpaid, owed grows daily.
    owed_on = reckoning_day(case) if case.paid_fen else today
    try:
        owed = {"owed_fen": amount_owed_fen(case, owed_on), "late_fee_fen": late_fee_fen(case, owed_on)}
    except CalendarYearUnknown:  # the payment period ends in a year the calendar does not know
        owed = {"owed_fen": None, "late_fee_fen": None}
    return {**view, "status_label": STATUS_LABELS[case.status], **owed,
            "deadlines": case_deadlines(case, today),
            "steps": [{"id": s.id, "action": s.action, "label": ACTION_LABELS[s.action],
                       "actor": s.actor.display_name if s.actor else "缴款平台", "acted_at": s.acted_at,
                       "from_status": s.from_status, "to_status": s.to_status, "details": s.details}
                      for s in case.steps],
            "documents": documents_view(case), "archive": archive_view(case), "allowed": allowed_actions(user, case)}
