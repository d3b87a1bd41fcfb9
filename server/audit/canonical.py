"""The canonical form of an audit entry: the exact bytes its Merkle leaf hash covers.

Standard library only: the standalone case-file verifier (`python -m server.verify_case`)
recomputes leaves with this module, without Flask or a database.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

# The fields of an entry that its hash covers, as they appear in a trail or a case file.
ENTRY_FIELDS = ("seq", "recorded_at", "actor_id", "actor_username", "action", "object_type",
                "object_id", "client_address", "details")


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant white space, UTF-8 text (not \\u escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def entry_bytes(fields: dict) -> bytes:
    """The canonical bytes of an entry given its ENTRY_FIELDS (other keys are ignored)."""
    return canonical_json({name: fields[name] for name in ENTRY_FIELDS}).encode("utf-8")
