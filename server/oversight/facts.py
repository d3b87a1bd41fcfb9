"""The records figures and warnings are computed from, read once per request: each inspection
(its latest revision) with its officers and check results, and the officers in scope.

How "on a handheld" (掌上执法) is known: every inspection reaches FieldCase through the sync API,
and the officers' PWA names its installation `pwa-<UUID>` in `device_id` (static/pwa/js/app.js,
kept in the phone's IndexedDB). A record synced by anything else (a desk import, a script, another
client) carries another device id and is an on-site inspection *not* done on the handheld.
"""
from __future__ import annotations

import uuid as uuidlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..accounts.models import Team, User, UserRole
from ..clock import to_local
from ..extensions import db
from ..inspections.models import Inspection, InspectionOfficer
from .scope import Scope

HANDHELD_DEVICE_PREFIX = "pwa-"


def check_results(answers) -> list[tuple[str, str]]:
    """(item id, result) of every check item answered in a record (repeats included)."""
    found = []

    def walk(value, key):
        if isinstance(value, dict):
            if "result" in value and set(value) <= {"result", "note", "photos"} and key:
                found.append((key, value["result"]))
                return
            for name, inner in value.items():
                walk(inner, name)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, key)

    walk(answers, None)
    return found


@dataclass
class InspectionFact:
    uuid: uuidlib.UUID
    root_uuid: uuidlib.UUID
    started_at: datetime
    day: date  # local
    team_id: int | None
    officer_ids: list[int]
    submitted_by_id: int
    form_id: str
    form_version: int
    subject_kind: str
    subject_name: str
    handheld: bool
    status: str
    evidence_expected: int
    evidence_received: int
    received_at: datetime
    checks: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed_items(self) -> list[str]:
        return [item for item, result in self.checks if result == "fail"]


def latest_revisions():
    """A select of inspections that no later revision replaces."""
    later = aliased(Inspection)
    return sa.select(Inspection).where(~sa.exists().where(later.replaces_uuid == Inspection.uuid))


def load_inspections(scope: Scope, starts_at: datetime, ends_before: datetime) -> list[InspectionFact]:
    """Inspections started in [starts_at, ends_before) within `scope` (latest revision each)."""
    query = latest_revisions().where(Inspection.started_at >= starts_at, Inspection.started_at < ends_before)
    if scope.officer_id is not None:
        query = query.where(sa.exists().where(InspectionOfficer.inspection_uuid == Inspection.uuid,
                                              InspectionOfficer.user_id == scope.officer_id))
    elif scope.team_id is not None:
        query = query.where(Inspection.team_id == scope.team_id)
    rows = db.session.execute(query.order_by(Inspection.started_at)).unique().scalars().all()
    officers = defaultdict(list)
    if rows:
        for inspection_uuid, user_id in db.session.execute(
                sa.select(InspectionOfficer.inspection_uuid, InspectionOfficer.user_id)
                .where(InspectionOfficer.inspection_uuid.in_([r.uuid for r in rows]))
                .order_by(InspectionOfficer.position)):
            officers[inspection_uuid].append(user_id)
    return [InspectionFact(
        uuid=r.uuid, root_uuid=r.root_uuid, started_at=r.started_at, day=to_local(r.started_at).date(),
        team_id=r.team_id, officer_ids=officers[r.uuid], submitted_by_id=r.submitted_by_id,
        form_id=r.form_id, form_version=r.form_version, subject_kind=r.subject_kind,
        subject_name=r.subject_name, handheld=r.device_id.startswith(HANDHELD_DEVICE_PREFIX),
        status=r.status, evidence_expected=r.evidence_expected, evidence_received=r.evidence_received,
        received_at=r.received_at, checks=check_results(r.answers)) for r in rows]


def load_officers(scope: Scope) -> list[User]:
    """Active officers (role 执法人员) in scope, by team and username."""
    query = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == "officer", User.disabled_at.is_(None)))
    if scope.officer_id is not None:
        query = query.where(User.id == scope.officer_id)
    elif scope.team_id is not None:
        query = query.where(User.team_id == scope.team_id)
    users = db.session.execute(query).unique().scalars().all()
    return sorted(users, key=lambda u: (u.team.code if u.team else "~", u.username))


def count_role(role: str) -> int:
    """Active accounts holding `role`, bureau-wide."""
    return db.session.execute(sa.select(sa.func.count()).select_from(User)
                              .join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == role, User.disabled_at.is_(None))).scalar_one()


def team_names(team_ids=None) -> dict[int, str]:
    query = sa.select(Team.id, Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(list(team_ids)))
    return dict(db.session.execute(query).all())


def user_names(user_ids) -> dict[int, str]:
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
