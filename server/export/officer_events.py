"""Events about officers' accounts (执法人员), built from the account entries alone: each
`user.*` entry holds the account's summary before and after (accounts/service.user_summary), so
an event says what the account was at that moment, never what it became later.

Accounts that hold no enforcement role (an administrator only) are not exported.
"""
from __future__ import annotations

from .format import Entry

ENFORCEMENT_ROLES = {"officer", "supervisor", "legal_reviewer"}


def _officer(object_id: str, summary: dict | None) -> dict | None:
    if summary is None:
        return None
    certificate = None
    if summary.get("certificate_number"):
        certificate = {"number": summary["certificate_number"],
                       "valid_from": summary.get("certificate_valid_from"),
                       "valid_until": summary.get("certificate_valid_until")}
    return {"id": int(object_id), "username": summary["username"],
            "display_name": summary["display_name"], "roles": summary["roles"],
            "team": summary["team"], "active": summary["active"], "certificate": certificate}


def is_officer(entry: Entry) -> bool:
    """Exported: the account held an enforcement role before or after the change."""
    summaries = (entry.details,) if entry.action == "user.created" else (
        entry.details["before"], entry.details["after"])
    return any(ENFORCEMENT_ROLES & set(s.get("roles") or ()) for s in summaries)


def _event(event_type: str, entry: Entry, before: dict | None, after: dict):
    return event_type, {"officer": _officer(entry.object_id, after),
                        "previous": _officer(entry.object_id, before)}


def created(entry: Entry):
    """officer.created: a new account of an officer, supervisor or legal reviewer."""
    return _event("officer.created", entry, None, entry.details)


def certificate_changed(entry: Entry):
    """officer.certificate_changed: the enforcement certificate (执法证) set, renewed or removed."""
    return _event("officer.certificate_changed", entry, entry.details["before"],
                  entry.details["after"])


def updated(entry: Entry):
    """officer.disabled, officer.enabled or officer.updated (name, roles, team)."""
    before, after = entry.details["before"], entry.details["after"]
    if before["active"] and not after["active"]:
        kind = "officer.disabled"
    elif after["active"] and not before["active"]:
        kind = "officer.enabled"
    else:
        kind = "officer.updated"
    return _event(kind, entry, before, after)
