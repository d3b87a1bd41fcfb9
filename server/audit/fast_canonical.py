"""Canonical JSON on the hot paths (sync, audit appends, verify), written by orjson: the same
bytes as `canonical.canonical_json` (the standard library's, which the standalone verifiers keep)
at a fraction of the cost.

orjson writes sorted keys, no white space and UTF-8 text as `json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` does, except for what it spells otherwise or
refuses; each of those goes to the standard library instead, so the bytes never differ:
- a float below 1e-4 (orjson: 0.00001 and 1.5e-7, Python: 1e-05 and 1.5e-07): any output holding
  such a number is written again by the standard library (a string that looks like one, such as
  ":1e-5", too: harmless);
- integers beyond 64 bits, non-string keys, lone surrogates, unknown types: orjson raises;
- NaN and Infinity (orjson: null): not JSON, refused on input (server/schemas.py `loads_strict`,
  I-JSON); an audit entry's details are hashed as stored (round-tripped), so they agree anyway.
tests/audit/test_fast_canonical.py compares both on a fuzzed corpus.
"""
from __future__ import annotations

import orjson

from .canonical import _json_default, canonical_json

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_BEFORE_VALUE = frozenset(b":,[")


def canonical_bytes(value) -> bytes:
    """canonical_json(value).encode("utf-8"), faster."""
    try:
        out = orjson.dumps(value, default=_json_default, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return canonical_json(value).encode("utf-8")
    if _small_float_written(out):
        return canonical_json(value).encode("utf-8")
    return out


def canonical_text(value) -> str:
    """canonical_json(value), faster."""
    return canonical_bytes(value).decode("utf-8")


def _small_float_written(out: bytes) -> bool:
    """Whether `out` may hold a number below 1e-4 as orjson spells it (1.5e-7, 0.00001).
    Found by its spelling, then confirmed to start where a value starts (not inside a UUID's
    text such as "872e-7ef"); a regular expression costs more than the whole encoding."""
    for needle in (b"e-", b"0.0000"):
        if needle not in out:
            continue
        for before in out.split(needle)[:-1]:
            head = before.rstrip(b"0123456789.")
            if needle == b"e-" and len(head) == len(before):
                continue  # no digit before "e-": not a number
            if head.endswith(b"-"):
                head = head[:-1]
            if not head or head[-1] in _BEFORE_VALUE:
                return True
    return False
