"""One import of a target file, all or nothing: parse and check every row (importer.py), then
load the whole file in the caller's transaction (service.load_targets) and audit it once.

Used by the API (routes.py, admin only) and the CLI (`flask --app server targets import FILE`).
"""
from __future__ import annotations

import hashlib

from ..errors import ApiError
from .importer import parse_file
from .service import LoadSummary, load_targets, record_import


def import_target_file(data: bytes, filename: str, *, actor) -> LoadSummary:
    """Load a CSV/XLSX file of targets; raises ApiError("targets.import_invalid") listing each
    row's problems (row, column, message) and stores nothing when any row is wrong."""
    parsed = parse_file(data, filename)
    if parsed.errors:
        raise ApiError("targets.import_invalid", errors=parsed.errors[:1000],
                       error_count=len(parsed.errors), filename=filename)
    file_sha256 = hashlib.sha256(data).hexdigest()
    summary = load_targets(parsed.rows, actor=actor, source=f"import:{file_sha256}")
    record_import(actor=actor, file_sha256=file_sha256, filename=filename, summary=summary)
    return summary
