"""Events about dispositions of findings and general-procedure cases (server/cases/), built from
their audit entries alone: a disposition's entry names every fact it set, and a case's state
after a step is the replay of its `case.*` entries up to that step (each commits to the columns
it set), so an event reads the same on every pull, however the case moved on since.

A step's free text (statements, interview summaries, the names of interviewees and recipients,
the decision's reasoning) stays in the case file behind the case's link: the platform gets the
procedure's structured facts, the party as the decision names it, and the deadlines.
"""
from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask import g

from ..accounts.models import Team, User
from ..audit.models import AuditEntry
from ..cases.case_models import ACTION_LABELS, STATUS_LABELS
from ..cases.deadlines import case_deadlines
from ..cases.models import KIND_LABELS
from ..clock import to_local
from ..extensions import db
from .format import Entry, link

DISPOSITION_TYPES = {"disposition.proposed": "disposition.proposed",
                     "disposition.decided": "disposition.decided",
                     "disposition.confirmed": "disposition.confirmed",
                     "disposition.rejected": "disposition.rejected"}
# audit action (case.<step>) -> event type
CASE_TYPES = {
    "case.open": "case.proposed", "case.approve_opening": "case.opened",
    "case.reject_opening": "case.opening_rejected", "case.add_interview": "case.interview_recorded",
    "case.link_evidence": "case.evidence_linked", "case.extend": "case.extended",
    "case.notify": "case.notified", "case.record_statement": "case.statement_recorded",
    "case.request_hearing": "case.hearing_requested", "case.record_hearing": "case.hearing_held",
    "case.send_to_legal_review": "case.sent_to_legal_review", "case.legal_opinion": "case.legal_opinion",
    "case.decide": "case.decided", "case.serve": "case.served", "case.record_payment": "case.paid",
    "case.close": "case.closed",
}
# The structured facts of a step that are exported (free text is not: see the module's comment).
STEP_FIELDS = ("on", "days", "proposed_fine_fen", "party_kind", "major_decision", "hearing_threshold_fen",
               "waived", "opinion", "checklist", "fine_fen", "party_present", "method", "inspection_uuid",
               "reference", "amount_fen", "paid_on", "source", "owed_before_fen", "late_fee_fen")
_DATES = ("opened_on", "notified_on", "decided_on", "served_on", "closed_on")
_DEFAULTS = {"extension_days": 0, "hearing_requested": False, "hearing_held": False,
             "statement_recorded": False, "major_decision": False, "paid_fen": 0}


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.username if user else None


def _team_code(team_id: int | None) -> str | None:
    team = db.session.get(Team, team_id) if team_id is not None else None
    return team.code if team else None


def _inspection(uuid: str) -> dict:
    return {"uuid": uuid, "href": link(f"/api/inspections/{uuid}")}


def disposition(entry: Entry) -> tuple[str, dict]:
    """disposition.proposed / .decided (by the supervisor at once) / .confirmed / .rejected."""
    facts = entry.details
    return DISPOSITION_TYPES[entry.action], {"disposition": {
        "id": int(entry.object_id), "inspection": _inspection(facts["inspection_uuid"]),
        "item_id": facts["item_id"], "violation_code": facts["violation_code"],
        "team": _team_code(facts["team_id"]), "kind": facts["kind"], "kind_label": KIND_LABELS[facts["kind"]],
        "status": facts["status"], "version": facts["version"],
        "proposed_by": _username(facts["proposed_by_id"]), "decided_by": _username(facts["decided_by_id"]),
        "correction_due": facts["correction_due"], "ground_code": facts["ground_code"],
        "ground_text": facts["ground_text"], "penalty_kind": facts["penalty_kind"],
        "penalty_fen": facts["penalty_fen"], "rejection_reason": facts["rejection_reason"]}}


def _case_entries(case_ids: list[str], through: int) -> dict[str, list[tuple[int, dict]]]:
    """Each case's (seq, set) of its `case.*` entries up to `through`, in order (one query)."""
    rows = db.session.execute(sa.select(AuditEntry.object_id, AuditEntry.seq, AuditEntry.details).where(
        AuditEntry.object_type == "case", AuditEntry.object_id.in_(case_ids),
        AuditEntry.action.in_(list(CASE_TYPES)), AuditEntry.seq <= through).order_by(AuditEntry.seq))
    found: dict[str, list] = {case_id: [] for case_id in case_ids}
    for case_id, seq, details in rows:
        found[case_id].append((seq, json.loads(details)["set"]))
    return found


def prefetch_cases(entries: list[Entry]) -> list:
    """Read the history of every case a page's steps name in one query, kept for this page's
    builds (flask.g); the builders fall back to a query per step without it."""
    steps = [e for e in entries if e.object_type == "case"]
    if steps:
        g.export_case_entries = (max(e.seq for e in steps),
                                 _case_entries(sorted({e.object_id for e in steps}), max(e.seq for e in steps)))
    return []


def _case_as_of(entry: Entry) -> dict:
    """The case's columns after `entry`'s step: its entries' `set`s replayed in order."""
    through, known = g.get("export_case_entries", (0, {}))
    if entry.seq > through or entry.object_id not in known:
        known = _case_entries([entry.object_id], entry.seq)
    state = dict(_DEFAULTS)
    for seq, values in known[entry.object_id]:
        if seq <= entry.seq:
            state.update(values)
    return state


def _deadlines(state: dict, on: date) -> list[dict]:
    """Every time limit of the case as it stood after the step, reckoned on the step's day."""
    case = SimpleNamespace(**{**state, **{k: date.fromisoformat(state[k]) if state.get(k) else None
                                          for k in _DATES}})
    return [{"key": d["key"], "label": d["label"], "basis": d["basis"], "unit": d["unit"],
             "due": d["due"].isoformat() if d["due"] else None,
             "met_on": d["met_on"].isoformat() if d["met_on"] else None,
             "overdue": d["state"] == "overdue",
             "error": d["error"]["detail"] if d["error"] else None}
            for d in case_deadlines(case, on, warn_days=0)]


def case_step(entry: Entry) -> tuple[str, dict]:
    """case.<step>: one step of the general procedure, the case as it stood after it, and its
    deadlines as they stood on the step's day."""
    state = _case_as_of(entry)
    raw_step = entry.details["step"]
    step = {k: raw_step[k] for k in STEP_FIELDS if k in raw_step}
    if "discretion" in raw_step:
        step["within_benchmark"] = raw_step["discretion"].get("within_benchmark")
    action = entry.action.removeprefix("case.")
    on = date.fromisoformat(raw_step["on"]) if raw_step.get("on") else to_local(entry.recorded_at).date()
    return CASE_TYPES[entry.action], {
        "case": {"id": int(entry.object_id), "number": state["number"],
                 "href": link(f"/api/cases/{entry.object_id}")},
        "step": {"action": action, "label": ACTION_LABELS[action], "from_status": entry.details["from"],
                 "to_status": entry.details["to"], **step},
        "state": {
            "status": state["status"], "status_label": STATUS_LABELS[state["status"]],
            "version": state["version"], "inspection": _inspection(state["inspection_uuid"]),
            "disposition_id": state["disposition_id"], "item_id": state["item_id"],
            "violation_code": state["violation_code"], "violation_title": state["violation_title"],
            "team": _team_code(state["team_id"]),
            "party": {"name": state["party_name"], "kind": state["party_kind"]},
            **{k: state.get(k) for k in (
                "opened_on", "extension_days", "notified_on", "proposed_fine_fen", "hearing_eligible",
                "hearing_requested", "hearing_held", "statement_recorded", "major_decision",
                "legal_opinion", "decided_on", "fine_fen", "party_present", "served_on",
                "service_method", "paid_fen", "closed_on")}},
        "deadlines": _deadlines(state, on),
    }
