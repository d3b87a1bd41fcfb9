"""What the audit log vouches for about training records, for `audit verify`
(server/audit/vouched.py): each `training_records` row against its `training.recorded` entry."""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import TrainingRecord
from .service import audit_details


def _expect(entry: Entry):
    details = dict(entry.details)
    yield str(details.pop("id")), {**details, "recorded_by_id": entry.actor_id}


def _rows():
    for record in db.session.execute(sa.select(TrainingRecord).order_by(TrainingRecord.id)).unique().scalars():
        details = audit_details(record)
        yield str(details.pop("id")), f"id {record.id}", {**details, "recorded_by_id": record.recorded_by_id}


TRAINING_RECORDS = VouchedKind(table="training_records", actions=("training.recorded",),
                               expect=_expect, rows=_rows)
