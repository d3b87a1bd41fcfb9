"""The canonical content of a submitted revision: what its `inspection.submitted` audit entry
commits to (`record_sha256`), so that the stored row can be checked against the log; and the
state (status, evidence count, review fields) that the log's later entries give it.

Standard library only: `audit verify` recomputes it from the database row, the standalone
case-file verifier (`python -m server.verify_case`) from the revision in a manifest. Both hand
in the revision as the API shows it (InspectionSchema): this module picks out what never changes
once submitted (not the status, the review's fields or the received flags) and writes it in one
form, whatever the database or a JSON parser made of times, UUIDs and numbers.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone

# Fields of a revision (InspectionSchema) fixed at submission; officers and evidence are below.
RECORD_FIELDS = ("uuid", "root_uuid", "revision", "replaces_uuid", "amendment_reason", "form_id",
                 "form_version", "team", "submitted_by", "subject", "place", "started_at",
                 "finished_at", "received_at", "device_clock_offset_ms", "device_id",
                 "app_version", "answers", "computed", "failed_checks", "evidence_expected",
                 "content_hash")
OFFICER_FIELDS = ("username", "certificate_number")
EVIDENCE_FIELDS = ("uuid", "item_id", "sha256", "size", "media_type", "captured_at")
TIME_FIELDS = ("started_at", "finished_at", "received_at", "captured_at", "legal_review_due_at",
               "acted_at")
# The entries that change a revision's state, and the facts of that state.
STATE_ACTIONS = ("inspection.submitted", "evidence.received", "inspection.completed",
                 "review.approve", "review.return", "review.send_to_legal_review",
                 "review.legal_opinion")
_REVIEW_FIELDS = ("return_comment", "return_item_comments", "major_decision_reason",
                  "legal_review_due_at", "legal_opinion")
_EXACT_INT = 2 ** 53


def record_facts(revision: dict, own_evidence: list[dict]) -> dict:
    """The facts a revision was submitted with. `revision`: as InspectionSchema shows it (its
    `evidence`: every file it lists, in order); `own_evidence`: the files it listed first (not
    those carried over from the revision it replaces), in position order, each with
    EVIDENCE_FIELDS."""
    facts = {name: revision[name] for name in RECORD_FIELDS}
    facts["officers"] = [{name: o[name] for name in OFFICER_FIELDS} for o in revision["officers"]]
    facts["evidence_uuids"] = [str(e["uuid"]) for e in revision["evidence"]]
    facts["evidence"] = [{name: e[name] for name in EVIDENCE_FIELDS} for e in own_evidence]
    return normal_form(facts)


def record_sha256(revision: dict, own_evidence: list[dict]) -> str:
    """SHA-256 (hex) of a revision's facts as canonical JSON (sorted keys, UTF-8, no spaces)."""
    text = json.dumps(record_facts(revision, own_evidence), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_TIME_KEYS = frozenset(TIME_FIELDS)


def normal_form(value, key: str | None = None):
    """One spelling of a value: times in UTC ISO 8601, UUIDs as text, and numbers as a JSON
    reader gets them back from any store (an integral float is an integer: JSONB writes 1e20 as
    100000000000000000000). Dispatches on the exact type: it walks every answer of every record,
    so the members of a dict or list that are their own normal form (text that is not a time,
    null, a boolean, a small integer) are kept without a call."""
    kind = type(value)
    if kind is str:
        return _utc_text(datetime.fromisoformat(value)) if key in _TIME_KEYS else value
    if kind is dict:
        out = {}
        for k, v in value.items():
            member = type(v)
            if (member is str and k not in _TIME_KEYS) or v is None or member is bool \
                    or (member is int and -_EXACT_INT <= v <= _EXACT_INT):
                out[k if type(k) is str else str(k)] = v
            else:
                out[k if type(k) is str else str(k)] = normal_form(v, k)
        return out
    if kind is list or kind is tuple:
        return [v if type(v) is str or v is None else normal_form(v) for v in value]
    if value is None or kind is bool:
        return value
    if kind is int:
        if -_EXACT_INT <= value <= _EXACT_INT:
            return value
        value = float(value)
    elif kind is not float:
        if isinstance(value, datetime):
            return _utc_text(value) if key in TIME_FIELDS else value
        return str(value) if isinstance(value, uuid.UUID) else value
    return int(value) if value.is_integer() else value


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def state_change(action: str, object_id: str, details: dict) -> tuple[str, dict]:
    """The revision an entry of STATE_ACTIONS is about, and the state facts it sets; a value
    may be a function of the value before (the count of evidence received grows)."""
    if action == "inspection.submitted":
        return object_id, {"status": "incomplete" if details["evidence"] else "complete",
                           "evidence_received": 0, "legal_review_requested": False,
                           **{name: None for name in _REVIEW_FIELDS}}
    if action == "evidence.received":
        return details["inspection"], {"evidence_received": lambda n: (n or 0) + 1}
    if action == "inspection.completed":
        return object_id, {"status": "complete"}
    facts = {"status": details["to"]}  # review.*: the decision's effect (server/review/service.py)
    if action == "review.return":
        facts.update(return_comment=details["comment"],
                     return_item_comments=details["item_comments"] or None)
    elif action == "review.send_to_legal_review":
        facts.update(legal_review_requested=True, major_decision_reason=details["reason"],
                     legal_review_due_at=normal_form(details["due_at"], "legal_review_due_at"))
    elif action == "review.legal_opinion":
        facts["legal_opinion"] = details["opinion"]
    return object_id, facts


def revision_state(revision: dict) -> dict:
    """The state facts of a revision as InspectionSchema shows it (or a row's columns)."""
    state = {name: revision[name] for name in ("status", "evidence_received", *_REVIEW_FIELDS)}
    state["legal_review_requested"] = revision["legal_review_requested_at"] is not None
    return normal_form(state)
