"""Refusing one record of a sync batch: the `Rejected` exception the record checks raise and the
per-record answer it becomes. Both checks.py and service.py import it; it imports neither."""
from __future__ import annotations

from ..errors import per_record


def rejected_answer(index: int, record_uuid, code: str, detail: str, errors: dict) -> dict:
    """The answer for record `index` that is refused with catalog `code` (status 200)."""
    return {"index": index, "uuid": str(record_uuid) if record_uuid else None,
            "result": "rejected", **per_record(code, detail), "errors": errors}


class Rejected(Exception):
    """A record that cannot be accepted: `errors` maps a field or item id to zh-CN messages.
    `result` is "rejected" (the officer corrects it) or "conflict" (it can no longer be sent as
    it is); `extra` adds fields to the answer (e.g. `latest_uuid`)."""

    def __init__(self, code: str, detail: str, errors: dict | None = None, *,
                 result: str = "rejected", extra: dict | None = None):
        super().__init__(detail)
        self.code, self.detail, self.errors = code, detail, errors or {}
        self.result, self.extra = result, extra or {}

    def answer(self, index: int, record_uuid) -> dict:
        return {**rejected_answer(index, record_uuid, self.code, self.detail, self.errors),
                "result": self.result, **self.extra}
