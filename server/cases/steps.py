"""What each step of the general procedure records: its input checked, the case's columns it
sets and where it leads (case_flow.act does the taking). One function per step; `on` is the day
the act happened (the desk may record it afterwards, never ahead of today)."""
from __future__ import annotations

from datetime import date

from ..accounts.models import User
from ..clock import local_today
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from .case_flow import HEARING_THRESHOLD_FEN, act
from .case_models import Case, CaseStep
from .documents import issue_step_document


def take_step(user: User, case: Case, action: str, data: dict) -> CaseStep:
    """One step of the procedure from a desk request (`data`: the action's validated input)."""
    version = data.pop("expected_version")
    on = _day(data.pop("on", None))
    values, to_status = STEP_VALUES[action](user, case, data, on)
    row = act(user, case, action, version, values=values, step={"on": on, **data},
              to_status=to_status)
    issue_step_document(user, case, row)  # same transaction: a missing field refuses the step
    return row


def _day(on: date | None) -> date:
    today = local_today()
    if on is not None and on > today:
        raise ApiError("case.invalid", errors={"on": ["日期不能晚于今天。"]})
    return on or today


def _approve(user, case, data, on):
    return {"opened_by_id": user.id, "opened_on": on}, None


def _extend(user, case, data, on):
    from .deadlines import extension_allowed

    if not extension_allowed(case, data["days"]):
        raise ApiError("case.extension_too_long")
    return {"extension_days": case.extension_days + data["days"]}, None


def _notify(user, case, data, on):
    from .penalty import check_case_penalty

    party_kind = data.get("party_kind") or case.party_kind
    eligible = data["proposed_fine_fen"] >= HEARING_THRESHOLD_FEN[party_kind]
    data["hearing_threshold_fen"] = HEARING_THRESHOLD_FEN[party_kind]
    data["discretion"] = check_case_penalty(
        db.session.get(Inspection, case.inspection_uuid), case.violation_code,
        data["proposed_fine_fen"], party_kind, data.pop("circumstances", None),
        data.pop("reason_outside_benchmark", None))
    outside = not data["discretion"]["within_benchmark"]
    return {"notified_on": on, "proposed_fine_fen": data["proposed_fine_fen"],
            "party_kind": party_kind, "hearing_eligible": eligible,
            "major_decision": eligible or outside or bool(data.get("major_decision")),
            "statement_recorded": False, "hearing_requested": False, "hearing_held": False,
            "legal_opinion": None}, None


def _request_hearing(user, case, data, on):
    from .deadlines import HEARING_WORKING_DAYS, after_period

    if after_period(on, case.notified_on, HEARING_WORKING_DAYS):
        raise ApiError("case.hearing_period_over")
    return {"hearing_requested": True}, None


def _opinion(user, case, data, on):
    from ..review.models import CHECKLIST

    opinion = data["opinion"]
    if opinion == "agree" and not all(data["checklist"].get(p) for p in CHECKLIST):
        raise ApiError("review.checklist_incomplete", errors={
            "checklist": [f"未确认：{label}" for p, label in CHECKLIST.items() if not data["checklist"].get(p)]})
    if opinion != "agree" and not (data.get("comment") or "").strip():
        raise ApiError("review.comment_required")
    return {"legal_opinion": opinion}, "reviewed" if opinion == "agree" else "investigating"


def _decide(user, case, data, on):
    from .penalty import check_case_penalty

    if data["fine_fen"] > case.proposed_fine_fen:
        raise ApiError("case.fine_above_notice")
    notified = next(s for s in reversed(case.steps) if s.action == "notify").details["discretion"]
    data["discretion"] = check_case_penalty(
        db.session.get(Inspection, case.inspection_uuid), case.violation_code, data["fine_fen"],
        case.party_kind, notified["facts"], data.get("reasoning"))
    if not data["discretion"]["within_benchmark"] and not case.major_decision:
        raise ApiError("case.legal_review_required")
    return {"decided_by_id": user.id, "decided_on": on, "fine_fen": data["fine_fen"],
            "party_present": data["party_present"]}, None


def _serve(user, case, data, on):
    if on < case.decided_on:
        raise ApiError("case.invalid", errors={"on": ["送达日期不能早于决定日期。"]})
    return {"served_on": on, "service_method": data["method"]}, None


def _link(user, case, data, on):
    from ..inspections.access import get_visible_inspection

    get_visible_inspection(user, data["inspection_uuid"])  # 404 unless the actor may see it
    return {}, None


def _close(user, case, data, on):
    return {"closed_on": on}, None


def _none(user, case, data, on):
    return {}, None


STEP_VALUES = {
    "approve_opening": _approve, "reject_opening": _none, "add_interview": _none,
    "link_evidence": _link, "extend": _extend, "notify": _notify,
    "record_statement": lambda u, c, d, o: ({"statement_recorded": True}, None),
    "request_hearing": _request_hearing,
    "record_hearing": lambda u, c, d, o: ({"hearing_held": True}, None),
    "send_to_legal_review": _none, "legal_opinion": _opinion, "decide": _decide, "serve": _serve,
    "close": _close,
}
