"""What the audit log vouches for about archive packages, for `audit verify`: each `archives`
row against its `archive.created` / `archive.transfer_created` entry (number, subject,
retention, the package's SHA-256 and size)."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind
from ..extensions import db
from .models import Archive

FACTS = ("archive_no", "kind", "category", "subject_type", "subject_id", "export_id",
         "package_sha256", "package_size", "retention", "year", "party", "title")


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    yield entry.object_id, {name: entry.details[name] for name in FACTS}


def _rows() -> Iterable[tuple[str, str, dict]]:
    for row in db.session.execute(sa.select(Archive).order_by(Archive.id)).scalars():
        yield str(row.uuid), row.archive_no, {name: getattr(row, name) for name in FACTS}


ARCHIVES = VouchedKind(table="archives", actions=("archive.created", "archive.transfer_created"),
                       expect=_expect, rows=_rows)
