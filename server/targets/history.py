"""A target's inspection history, and the inspections within the revisit window (防止执法扰民).

An inspection is of a target when its record named the target at sync (`InspectionTarget`), or
when its subject carries the target's key: the credit code (or ship identification number) in
`subject_code`, or a vehicle's plate in `subject_name` (how records have named subjects since
the start), compared as keys: upper case, no spaces. The expressions are those of the indexes of
migration 0010, written with literal constants so that SQLite uses them.

Sits above inspections (it reads records); inspections/checks.py calls it at sync.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..inspections.models import Inspection
from . import codes
from .models import KEY_KINDS, InspectionTarget, Target


def _as_key(column):
    return sa.func.upper(sa.func.replace(column, sa.literal_column("' '"), sa.literal_column("''")))


def _of_target(target: Target):
    named = sa.select(InspectionTarget.inspection_uuid).where(InspectionTarget.target_id == target.id)
    matches = [Inspection.uuid.in_(named), _as_key(Inspection.subject_code) == target.key]
    if target.key_kind == "plate":
        matches.append(sa.and_(Inspection.subject_kind == "vehicle",
                               _as_key(Inspection.subject_name) == target.key))
    return sa.or_(*matches)


def window_days() -> int:
    return current_app.config["TARGET_REVISIT_WINDOW_DAYS"]


def inspections_of(target: Target, *, since: datetime | None = None, before: datetime | None = None,
                   limit: int = 200) -> list[Inspection]:
    """The latest revision of each inspection of `target`, newest first; each carries
    `revisit_reason` (the reason given for inspecting again, or None)."""
    replaced = sa.select(Inspection.replaces_uuid).where(Inspection.replaces_uuid.is_not(None))
    query = sa.select(Inspection).where(_of_target(target), Inspection.uuid.not_in(replaced))
    if since is not None:
        query = query.where(Inspection.started_at >= since)
    if before is not None:
        query = query.where(Inspection.started_at <= before)
    found = list(db.session.execute(query.order_by(Inspection.started_at.desc()).limit(limit))
                 .unique().scalars())
    reasons = dict(db.session.execute(sa.select(
        InspectionTarget.inspection_uuid, InspectionTarget.revisit_reason).where(
        InspectionTarget.inspection_uuid.in_([i.uuid for i in found]))).all()) if found else {}
    for inspection in found:
        inspection.revisit_reason = reasons.get(inspection.uuid)
    return found


def recent_inspections(target: Target, moment: datetime, *, exclude_root=None) -> list[Inspection]:
    """Inspections of `target` started within the window before `moment` (and not after it),
    other than those of the inspection `exclude_root` (an amendment's own earlier revisions)."""
    found = inspections_of(target, since=moment - timedelta(days=window_days()), before=moment)
    return [i for i in found if i.root_uuid != exclude_root]


def find_target(key: str) -> Target | None:
    """The target whose key (any kind) is `key`, normalised."""
    key = codes.normalise(key)
    return db.session.execute(sa.select(Target).where(
        Target.key == key, Target.key_kind.in_(list(KEY_KINDS)))).scalars().first()


def revisit_reasons(uuids: list) -> dict:
    """inspection uuid -> the target it named and the reason given, for the records that named one."""
    if not uuids:
        return {}
    return {row.inspection_uuid: row for row in db.session.execute(
        sa.select(InspectionTarget).where(InspectionTarget.inspection_uuid.in_(uuids))).scalars()}
