"""Canonical JSON on the hot paths (sync, audit appends, verify), written by orjson: the same
bytes as `canonical.canonical_json` (the standard library's, which the standalone verifiers keep)
at a fraction of the cost.

orjson writes sorted keys, no white space and UTF-8 text as `json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` does, except for what it spells otherwise or
refuses; each of those goes to the standard library instead, so the bytes never differ:
- a float below 1e-4 (orjson: 0.00001 and 1.5e-7, Python: 1e-05 and 1.5e-07): any output holding
  such a number is written again by the standard library (a string that looks like one, such as
  "e-5,", too: harmless);
- integers beyond 64 bits, non-string keys, lone surrogates, unknown types: orjson raises;
- NaN and Infinity (orjson: null): not JSON, refused on input (server/schemas.py `loads_strict`,
  I-JSON); an audit entry's details are hashed as stored (round-tripped), so they agree anyway.
tests/audit/test_fast_canonical.py compares both on a fuzzed corpus.
"""
from __future__ import annotations

import re

import orjson

from .canonical import _json_default, canonical_json

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


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
    """Whether `out` may hold a number that orjson spells otherwise than Python: below 1e-4,
    Python writes an exponent of at least two digits (1e-05, 1.5e-07) where orjson writes a
    fixed point (0.00001, 0.000099) or a one-digit exponent (1.5e-7, -2.5e-6); from two digits
    on they agree (1e-10). So: "0.0000" anywhere, or "e-" and one digit ending a number (a
    comma, bracket or brace next, or the end). A UUID's "e-" is followed by four or twelve hex
    digits, never by one digit and the end of a number. Text that merely looks like either
    (",0.00005" or "e-5," inside a string) only sends the value to the standard library: 9 µs
    for a record's text, where splitting at every "e-" and looking back took 13."""
    return b"0.0000" in out or _ONE_DIGIT_EXPONENT(out) is not None


_ONE_DIGIT_EXPONENT = re.compile(rb"e-[0-9](?:[,\]}]|$)").search
