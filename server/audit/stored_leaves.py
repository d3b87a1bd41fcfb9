"""An entry's leaf hash recomputed from its stored columns, fast enough for `audit verify` to
read 100,000 entries a second.

The stored details are the canonical JSON of what was appended (service.leaf_values), so the
entry's canonical bytes are spliced around them rather than parsed and written again. Details
stored in another spelling of the same value (written by hand, or by an older version) would
not match by splicing: the leaf is then computed the slow way, over the parsed value, exactly as
the standalone verifier does (canonical.entry_bytes), before the entry is called altered.
"""
from __future__ import annotations

import json

import orjson

from . import merkle
from .canonical import entry_bytes

# What verify reads of each entry: the fields its hash covers and the hash stored with it.
STORED_COLUMNS = ("seq", "recorded_at", "actor_id", "actor_username", "action", "object_type",
                  "object_id", "client_address", "details", "entry_hash")


def spliced_content(seq, recorded_at: str, actor_id, actor_username, action, object_type, object_id,
                    address, details: str) -> bytes | None:
    """An entry's canonical bytes (canonical.entry_bytes) with its details text spliced in as
    they are, not parsed and written again: the same bytes exactly when `details` is the
    canonical JSON of its value. None when orjson cannot write the other fields."""
    try:
        # The fields other than the details are integers, text or null: orjson writes them as
        # the standard library does (no float), sorted; "details" sorts before "object_id",
        # whose key cannot occur inside a string (its quotes would be escaped).
        others = orjson.dumps({"action": action, "actor_id": actor_id, "actor_username": actor_username,
                               "client_address": address, "object_id": object_id,
                               "object_type": object_type, "recorded_at": recorded_at, "seq": seq},
                              option=orjson.OPT_SORT_KEYS)
        text = details.encode("utf-8")
    except (TypeError, UnicodeEncodeError, orjson.JSONEncodeError):
        return None
    at = others.index(b',"object_id":')
    return b"".join((others[:at], b',"details":', text, others[at:]))


def stored_leaf(row) -> bytes:
    """The leaf hash of a stored entry (a row of STORED_COLUMNS)."""
    seq, recorded, actor_id, actor_username, action, object_type, object_id, address, details, stored = row
    recorded_at = recorded.isoformat()
    content = spliced_content(seq, recorded_at, actor_id, actor_username, action, object_type, object_id,
                              address, details)
    if content is not None:
        leaf = merkle.leaf_hash(content)
        if leaf.hex() == stored:
            return leaf
    fields = dict(zip(STORED_COLUMNS, row, strict=True))
    fields.update(recorded_at=recorded_at, details=json.loads(details))
    return merkle.leaf_hash(entry_bytes(fields))
