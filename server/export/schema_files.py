"""The published JSON Schemas (schema/v1/*.json): listed, and served with their `$id` set to the
URL they are served at, so that their relative `$ref`s resolve against it."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from ..errors import ApiError
from .format import FORMAT, SCHEMA_PATH
from .kinds import event_types

SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / "v1"
PUBLISHED_BASE = "https://fieldcase.invalid" + SCHEMA_PATH  # the files' own $id base
_NAME = re.compile(r"[a-z][a-z0-9-]*\.json")


@cache
def schema_names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in SCHEMA_DIR.glob("*.json")))


@cache
def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def schema_document(name: str, base_url: str) -> dict:
    """A schema as served from `base_url` (the server's root URL)."""
    if not _NAME.fullmatch(name) or name not in schema_names():
        raise ApiError("export.schema_not_found")
    return {**_load(name), "$id": base_url.rstrip("/") + SCHEMA_PATH + name}


def schema_index(base_url: str) -> dict:
    root = base_url.rstrip("/") + SCHEMA_PATH
    return {"format": FORMAT,
            "schemas": [{"name": n, "title": _load(n).get("title"), "href": root + n}
                        for n in schema_names()],
            "event_types": [{"type": t, "dataschema": root + s}
                             for t, s in sorted(event_types().items())],
            "documentation": "docs/export.md"}
