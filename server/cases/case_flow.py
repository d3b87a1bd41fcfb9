"""The general procedure, step by step: who may take each step, what it checks, what it records.

Every step names the case's version the actor saw (a newer one answers 409 `case.stale`),
changes the case with an UPDATE conditional on that version, appends a `case_steps` row and an
audit entry `case.<action>` that commits to the columns it set (vouched.py), in the request's
one transaction. Roles: the team's supervisor acts as the responsible person (负责人) who
approves 立案, extensions, the decision and 结案; the team's officers and supervisor investigate,
notify, record statements and serve; a legal reviewer gives the 法制审核 opinion.
# legal-review: 《行政处罚法》第五十四条 (立案 approved by the responsible person), 第五十七条
# (decision by the responsible person), 第五十八条 (法制审核) as the author knows them.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import local_today, utcnow
from ..database import serialize_on
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from ..review.service import is_participant
from ..workdays import CalendarYearUnknown
from .case_models import TRANSITIONS, Case, CaseStep
from .facts import facts_of, plain

# 较大数额罚款 that gives the right to a hearing (《行政处罚法》第六十三条第一款第（一）项), in fen.
# legal-review: amounts as 《交通运输行政执法程序规定》 sets them per the author's memory
# (citizen 10,000 yuan, organisation 100,000 yuan); Zhejiang may set its own.
HEARING_THRESHOLD_FEN = {"citizen": 1_000_000, "organisation": 10_000_000}
SUPERVISOR_ACTIONS = {"approve_opening", "reject_opening", "extend", "send_to_legal_review",
                      "decide", "close"}
CASE_FACTS = ("number", "disposition_id", "inspection_uuid", "item_id", "violation_code",
              "violation_title", "team_id", "party_name", "party_kind", "status", "version",
              "proposed_by_id")


def party_kind_of(inspection: Inspection) -> str:
    return "organisation" if inspection.subject_kind == "business" else "citizen"


def open_case(user: User, disposition, inspection: Inspection, finding: dict,
              party_kind: str | None) -> Case:
    """立案申请: a confirmed 立案 disposition opens a case awaiting the responsible person."""
    year = local_today().year
    serialize_on("case_number", year)  # two cases opened at once must not both count the same
    count = db.session.execute(sa.select(sa.func.count()).select_from(Case).where(
        Case.number.like(f"%〔{year}〕%"))).scalar()
    case = Case(number=f"交执罚〔{year}〕{count + 1:04d}号", disposition_id=disposition.id,
                inspection_uuid=inspection.uuid, item_id=disposition.item_id,
                violation_code=disposition.violation_code,
                violation_title=finding["violation"].get("title") or disposition.violation_code,
                team_id=inspection.team_id, party_name=inspection.subject_name,
                party_kind=party_kind or party_kind_of(inspection), status="proposed", version=1,
                proposed_by_id=disposition.proposed_by_id, proposed_at=utcnow(), extension_days=0,
                hearing_requested=False, hearing_held=False, statement_recorded=False,
                major_decision=False, paid_fen=0)
    db.session.add(case)
    db.session.flush()
    entry = record_event("case.open", actor=user, object_type="case", object_id=case.id, details={
        "from": None, "to": "proposed", "set": facts_of(case, CASE_FACTS), "step": {}},
        sequenced=True)  # the step names its entry's seq
    db.session.add(CaseStep(case_id=case.id, action="open", actor_id=user.id, acted_at=entry.recorded_at,
                            from_status=None, to_status="proposed", details={}, audit_seq=entry.seq))
    db.session.flush()
    return case


def can_view_case(user: User, case: Case) -> bool:
    if user.has_role("admin"):
        return True
    if user.has_role("supervisor") and user.team_id is not None and user.team_id == case.team_id:
        return True
    if user.has_role("legal_reviewer") and case.major_decision:
        return True
    inspection = db.session.get(Inspection, case.inspection_uuid)
    return user.has_role("officer") and is_participant(user, inspection)


def refusal(user: User | None, case: Case, action: str) -> str | None:
    """The code that keeps `user` from taking `action` now (None: allowed). `user` None: the
    payment platform, which may only record payments."""
    if user is None:
        allowed = action == "record_payment"
    elif action == "legal_opinion":
        allowed = user.has_role("legal_reviewer")
    elif action in SUPERVISOR_ACTIONS:
        allowed = user.has_role("supervisor") and user.team_id == case.team_id
    else:
        allowed = (user.has_role("supervisor") and user.team_id == case.team_id) or (
            user.has_role("officer") and user.team_id == case.team_id)
    if not allowed:
        return "case.forbidden"
    if case.status not in TRANSITIONS[action][0]:
        return "case.invalid_transition"
    return _rule_refusal(case, action)


def _rule_refusal(case: Case, action: str) -> str | None:
    try:
        return _rules(case, action)
    except CalendarYearUnknown:  # a period reaching a year the calendar does not know
        return "calendar.year_unknown"


def _rules(case: Case, action: str) -> str | None:
    ready = action in ("send_to_legal_review", "decide")
    if ready and case.hearing_requested and not case.hearing_held:
        return "case.hearing_pending"
    if ready and not case.statement_recorded and not _period_over(case):
        return "case.statement_pending"
    if action == "send_to_legal_review" and not case.major_decision:
        return "case.not_major"
    if action == "decide" and case.major_decision and case.status != "reviewed":
        return "case.legal_review_required"
    if action == "request_hearing" and not case.hearing_eligible:
        return "case.hearing_not_available"
    if action == "record_hearing" and not case.hearing_requested:
        return "case.hearing_not_requested"
    if action == "close" and _owed(case):
        return "case.not_paid"
    return None


def reckoning_day(case: Case) -> date:
    """The day the amount owed is reckoned on: the last payment's, or today if none was made."""
    last = max((s.details["paid_on"] for s in case.steps if s.action == "record_payment"), default=None)
    return date.fromisoformat(last) if last else local_today()


def _owed(case: Case) -> int:
    """The fine and 加处罚款 not yet paid, as of the last payment (or today, none made)."""
    from .deadlines import amount_owed_fen

    return amount_owed_fen(case, reckoning_day(case))


def _period_over(case: Case) -> bool:
    from .deadlines import HEARING_WORKING_DAYS, STATEMENT_WORKING_DAYS, after_period

    days = HEARING_WORKING_DAYS if case.hearing_eligible else STATEMENT_WORKING_DAYS
    return after_period(local_today(), case.notified_on, days)


def allowed_actions(user: User, case: Case) -> dict[str, str | None]:
    return {action: refusal(user, case, action) for action in TRANSITIONS}


def act(user: User | None, case: Case, action: str, expected_version: int, *, values: dict,
        step: dict, to_status: str | None = None, actor_username: str | None = None) -> CaseStep:
    """Take `action` on `case`: check, update conditionally, append the step and its audit entry."""
    code = refusal(user, case, action)
    if code == "case.forbidden":
        raise ApiError(code)
    if case.version != expected_version:
        raise ApiError("case.stale", current_version=case.version, current_status=case.status)
    if code:
        raise ApiError(code, current_status=case.status)
    from_status = case.status
    to_status = to_status or TRANSITIONS[action][1] or from_status
    changed = db.session.execute(
        sa.update(Case).where(Case.id == case.id, Case.version == expected_version)
        .values(status=to_status, version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("case.stale")
    db.session.refresh(case)
    step = {k: plain(v) for k, v in step.items()}
    entry = record_event(f"case.{action}", actor=user, actor_username=actor_username,
                         object_type="case", object_id=case.id, details={
                             "from": from_status, "to": to_status,
                             "set": {"status": to_status, "version": case.version,
                                     **facts_of(case, values)},
                             "step": step}, sequenced=True)  # the step names its entry's seq
    row = CaseStep(case_id=case.id, action=action, actor_id=getattr(user, "id", None),
                   acted_at=entry.recorded_at, from_status=from_status, to_status=to_status,
                   details=step, audit_seq=entry.seq)
    db.session.add(row)
    db.session.flush()
    db.session.expire(case, ["steps"])
    return row
