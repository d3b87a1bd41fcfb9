"""Early warnings stored and acknowledged: `scan_warnings` (on demand, from the dashboard or
`flask --app server oversight scan`) stores each new candidate of oversight/rules.py once, by
the fingerprint of its facts; `acknowledge_warning` records who saw it and when. Both audited.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event, record_events
from ..clock import utcnow
from ..database import serialize_on
from ..errors import ApiError
from ..extensions import db
from . import rules
from .models import KINDS, Warning
from .scope import Scope


def fingerprint(kind: str, facts: list) -> str:
    return hashlib.sha256(json.dumps([kind, facts], ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode()).hexdigest()


def raised_details(warning: Warning) -> dict:
    """What `oversight.warning_raised` commits to (oversight/vouched.py replays it)."""
    return {"id": warning.id, "kind": warning.kind, "fingerprint": warning.fingerprint,
            "team_id": warning.team_id, "officer_id": warning.officer_id, "title": warning.title,
            "detail": warning.detail, "links": warning.links}


def scan_warnings(actor: User | None, now: datetime | None = None) -> list[Warning]:
    """Store and audit every warning the records call for that was not raised before."""
    now = now or utcnow()
    serialize_on("oversight_scan", "all")  # a scan at once elsewhere: wait, then see its warnings
    found = {}
    for candidate in rules.candidates(now, current_app.config["OVERSIGHT_REPEAT_FINDING_DAYS"]):
        found.setdefault((candidate.kind, fingerprint(candidate.kind, candidate.facts)), candidate)
    if not found:
        return []
    known = set(db.session.execute(sa.select(Warning.kind, Warning.fingerprint)
                                   .where(Warning.fingerprint.in_([f for _, f in found]))).all())
    new = [Warning(kind=kind, fingerprint=print_, team_id=c.team_id, officer_id=c.officer_id, title=c.title,
                   detail=c.detail, links=c.links, raised_at=now)
           for (kind, print_), c in found.items() if (kind, print_) not in known]
    if not new:
        return []
    db.session.add_all(new)
    db.session.flush()
    record_events([{"action": "oversight.warning_raised", "object_type": "warning", "object_id": w.id,
                    "details": raised_details(w)} for w in new], actor=actor)
    return new


LIST_LIMIT = 500  # the newest; open warnings are acknowledged, so the list stays short


def list_warnings(scope: Scope, state: str = "open") -> list[Warning]:
    """Warnings in scope, newest first (at most LIST_LIMIT): open, acknowledged or all."""
    query = sa.select(Warning).order_by(Warning.raised_at.desc(), Warning.id.desc()).limit(LIST_LIMIT)
    if scope.team_id is not None:
        query = query.where(Warning.team_id == scope.team_id)
    if state == "open":
        query = query.where(Warning.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(Warning.acknowledged_at.is_not(None))
    return list(db.session.execute(query).unique().scalars())


def count_open(scope: Scope) -> int:
    query = sa.select(sa.func.count()).select_from(Warning).where(Warning.acknowledged_at.is_(None))
    if scope.team_id is not None:
        query = query.where(Warning.team_id == scope.team_id)
    return db.session.execute(query).scalar_one()


def get_warning(scope: Scope, warning_id: int) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None:
        raise ApiError("request.not_found")
    if scope.team_id is not None and warning.team_id != scope.team_id:
        raise ApiError("oversight.not_your_team")
    return warning


def acknowledge_warning(actor: User, warning: Warning, comment: str | None) -> Warning:
    """Mark `warning` seen by `actor`, now, with an optional comment (once)."""
    if warning.acknowledged_at is not None:
        raise ApiError("oversight.already_acknowledged")
    entry = record_event("oversight.warning_acknowledged", actor=actor, object_type="warning",
                         object_id=warning.id, details={"comment": comment or None})
    warning.acknowledged_at = entry.recorded_at
    warning.acknowledged_by = actor
    warning.acknowledge_comment = comment or None
    db.session.flush()
    return warning


def dump_warning(warning: Warning) -> dict:
    return {"id": warning.id, "kind": warning.kind, "kind_label": KINDS[warning.kind], "title": warning.title,
            "detail": warning.detail, "team": warning.team.name if warning.team else None,
            "officer": warning.officer.display_name if warning.officer else None, "links": warning.links,
            "raised_at": warning.raised_at, "acknowledged_at": warning.acknowledged_at,
            "acknowledged_by": warning.acknowledged_by.display_name if warning.acknowledged_by else None,
            "acknowledge_comment": warning.acknowledge_comment}
