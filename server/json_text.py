"""JSON text on the hot paths, written and read by orjson, with the standard library's result.

`stored_json_text` is the engine's `json_serializer`: the text a JSON column (an inspection's
answers and computed values, an evidence list) is bound as. The standard library's `json.dumps`
took 18 µs for a record's answers and orjson 3 µs, about 4 % of a synced record's CPU (issue 19).
The text is compact and keeps non-ASCII characters as UTF-8; a reader gets the same value back
as from `json.dumps`'s text, which the existing rows keep. Where orjson would write a different
value or cannot write one, the standard library writes the text, as before:
- NaN and Infinity (orjson: null; `json.dumps`: NaN, which PostgreSQL's JSONB refuses), found by
  any `null` in orjson's text;
- integers beyond 64 bits, keys that are not strings (`json.dumps` writes 1 as "1"), and
  subclasses of str, int, dict and list (an IntEnum is written by its value): orjson raises.
orjson writes a UUID, a datetime and an Enum by their value, where `json.dumps` raises TypeError;
FieldCase puts none in a JSON column (the schemas give text), so nothing that was refused is stored.

`json_value` is the fast path of `server/schemas.py` `loads_strict`: orjson's value, given only
when the standard library's strict reading is sure to give the same one, else None (then the
strict reading runs, and says what is wrong). tests/test_json_text.py compares both on fuzzed input.
"""
from __future__ import annotations

import json

import orjson

_WRITE_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
_DIGITS_AS_ZERO = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_DIGITS = b"0" * 19
_BEFORE_NUMBER = frozenset(b":,[ \t\n\r")


def stored_json_text(value) -> str:
    """json.dumps(value)'s value, as compact UTF-8 JSON text (see the module's comment)."""
    try:
        out = orjson.dumps(value, option=_WRITE_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)
    if b"null" in out:
        return json.dumps(value)  # a NaN or Infinity may be among the nulls
    return out.decode("utf-8")


def json_value(raw: bytes):
    """orjson's reading of `raw`, or None when the strict reading must decide.

    orjson refuses what I-JSON refuses (NaN, Infinity, invalid UTF-8, control characters,
    trailing data), but keeps the last of an object's duplicate members, where the strict reading
    refuses the body. A duplicate is found by counting: outside its strings, JSON text has one
    colon per object member, and orjson writes a value's text with the same; inside strings,
    each colon stays one colon, unless written as a \\u escape. So with no \\u escape in `raw`
    (which also leaves out the lone surrogates and NULs the strict reading refuses), the counts
    of colons agree exactly when no member was dropped. Numbers beyond what orjson holds
    (1e400) make it raise, and the strict reading decides them too. An integer beyond 64 bits
    orjson reads as a float: `_long_number` leaves it to the strict reading."""
    if b"\\u" in raw or _long_number(raw):
        return None
    try:
        value = orjson.loads(raw)
        if value is None or raw.count(b":") != orjson.dumps(value).count(b":"):
            return None
    except (orjson.JSONDecodeError, TypeError):
        # orjson reads 1,024 levels of nesting but writes only 255 (TypeError): deeper is left
        # to the strict reading, which refuses beyond what Python's recursion allows.
        return None
    return value


def _long_number(raw: bytes) -> bool:
    """Whether `raw` may hold a number of 19 digits or more (2**63 has 19): a run of digits, found
    by mapping every digit to "0" (4 µs per synced record; a regular expression takes 60), that
    starts where a number can (after a colon, comma, bracket, white space or a minus sign). A
    SHA-256 in hex often holds such a run, after a letter or a quote: not a number."""
    digits = raw.translate(_DIGITS_AS_ZERO)
    start = digits.find(_LONG_DIGITS)  # the start of a run: the byte before is no digit
    while start != -1:
        before = start - 1
        if before >= 0 and raw[before] == 0x2D:  # "-"
            before -= 1
        if before < 0 or raw[before] in _BEFORE_NUMBER:
            return True
        end = digits.find(b" ", start)
        if end == -1:
            return False
        start = digits.find(_LONG_DIGITS, end)
    return False
