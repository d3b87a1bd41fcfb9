"""Recording training and reading it back: one course at a time or a whole XLSX import (all or
nothing), each record audited; hours per officer over the rolling three years (P-15)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event, record_events
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from .models import TARGET_YEARS, TrainingRecord


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def rolling_window(on: date) -> tuple[date, date]:
    """The three years that count on `on`: completions after the same day three years before,
    up to and including `on`."""
    return years_before(on, TARGET_YEARS) + timedelta(days=1), on


def audit_details(record: TrainingRecord) -> dict:
    """What `training.recorded` commits to (training/vouched.py replays it)."""
    return {"id": record.id, "officer_id": record.officer_id, "course": record.course,
            "organiser": record.organiser, "class_hours_tenths": record.class_hours_tenths,
            "started_on": record.started_on.isoformat(), "finished_on": record.finished_on.isoformat(),
            "completion_certificate": record.completion_certificate,
            "import_sha256": record.import_sha256}


def _exists(officer_id: int, course: str, started_on: date) -> bool:
    return db.session.execute(sa.select(TrainingRecord.id).where(
        TrainingRecord.officer_id == officer_id, TrainingRecord.course == course,
        TrainingRecord.started_on == started_on)).first() is not None


def record_training(actor: User, officer: User, data: dict) -> TrainingRecord:
    """Store one completed course of `officer` and audit it."""
    if _exists(officer.id, data["course"], data["started_on"]):
        raise ApiError("training.duplicate")
    record = TrainingRecord(officer_id=officer.id, recorded_by_id=actor.id, recorded_at=utcnow(), **data)
    db.session.add(record)
    db.session.flush()
    record_event("training.recorded", actor=actor, object_type="training_record",
                 object_id=record.id, details=audit_details(record))
    return record


def store_imported(actor: User, rows: list[dict], import_sha256: str) -> list[TrainingRecord]:
    """Store the checked rows of an import (officer, course, …) and audit each, plus the file."""
    now = utcnow()
    records = [TrainingRecord(recorded_by_id=actor.id, recorded_at=now, import_sha256=import_sha256,
                              **row) for row in rows]
    db.session.add_all(records)
    db.session.flush()
    record_events([{"action": "training.recorded", "object_type": "training_record",
                    "object_id": r.id, "details": audit_details(r)} for r in records]
                  + [{"action": "training.imported", "object_type": "training_import",
                      "object_id": import_sha256, "details": {"rows": len(records)}}], actor=actor)
    return records


def already_recorded(keys: Iterable[tuple[int, str, date]]) -> set[tuple[int, str, date]]:
    """Which (officer id, course, start) triples are stored already (one query)."""
    keys = set(keys)
    if not keys:
        return set()
    officers = {k[0] for k in keys}
    stored = db.session.execute(sa.select(
        TrainingRecord.officer_id, TrainingRecord.course, TrainingRecord.started_on)
        .where(TrainingRecord.officer_id.in_(officers))).all()
    return keys & {tuple(row) for row in stored}


def list_training(officer_ids: Iterable[int] | None = None) -> list[TrainingRecord]:
    """Training records, newest completion first; all of them when `officer_ids` is None."""
    query = sa.select(TrainingRecord).order_by(TrainingRecord.finished_on.desc(), TrainingRecord.id.desc())
    if officer_ids is not None:
        query = query.where(TrainingRecord.officer_id.in_(list(officer_ids)))
    return list(db.session.execute(query).scalars())


def hours_tenths(officer_ids: Iterable[int], first: date, last: date) -> dict[int, int]:
    """Class hours (in tenths) completed from `first` to `last` inclusive, per officer (0 if none)."""
    officer_ids = list(officer_ids)
    totals = dict.fromkeys(officer_ids, 0)
    if not officer_ids:
        return totals
    rows = db.session.execute(sa.select(TrainingRecord.officer_id, sa.func.sum(TrainingRecord.class_hours_tenths))
                              .where(TrainingRecord.officer_id.in_(officer_ids),
                                     TrainingRecord.finished_on >= first, TrainingRecord.finished_on <= last)
                              .group_by(TrainingRecord.officer_id)).all()
    totals.update({officer_id: int(total) for officer_id, total in rows})
    return totals


def completions(officer_ids: Iterable[int], first: date, last: date) -> list[tuple[int, date, int]]:
    """(officer id, completion day, hours in tenths) of each course completed in the range."""
    return [tuple(row) for row in db.session.execute(
        sa.select(TrainingRecord.officer_id, TrainingRecord.finished_on, TrainingRecord.class_hours_tenths)
        .where(TrainingRecord.officer_id.in_(list(officer_ids)), TrainingRecord.finished_on >= first,
               TrainingRecord.finished_on <= last)).all()]
