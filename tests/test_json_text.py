"""orjson on the hot paths gives the standard library's values (server/json_text.py): a body read
by the fast path is the body the strict reading gives, never one it refuses; a JSON column's text
reads back as `json.dumps`'s text does. Fuzzed bodies and values, the records phones send, and the
cases orjson treats otherwise (duplicate members, long integers, NaN, escapes)."""
from __future__ import annotations

import enum
import json
import random

import pytest

from server.errors import ApiError
from server.json_text import json_value, stored_json_text
from server.schemas import loads_strict, strict_reading
from testing.records import overload_record, sync_body

_CHARS = ("abc:xyz0129 \"\\/\b\f\n\r\t\x01\x1f\x7f\u00e9\u2028\ufeff\uffff" "中文浙F超限：😀")


def _string(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 10)))


def _value(rng: random.Random, depth: int = 0):
    kind = rng.choice(["str", "int", "bigint", "float", "literal"] + (["list", "dict"] * 2 if depth < 4 else []))
    if kind == "str":
        return _string(rng)
    if kind == "int":
        return rng.randint(-2 ** 63, 2 ** 64 - 1)
    if kind == "bigint":
        return rng.choice([1, -1]) * rng.getrandbits(rng.randint(40, 100))
    if kind == "float":
        return rng.choice([rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30), round(rng.uniform(-1e5, 1e5), 3),
                           float(rng.randint(-10, 10)), -0.0, 5e-324, 1.7976931348623157e308])
    if kind == "literal":
        return rng.choice([None, True, False])
    if kind == "list":
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_string(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _spellings(rng: random.Random, value) -> list[bytes]:
    """The ways a client may write `value`, and near misses: spacing, escapes, a member twice."""
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    texts = [compact, json.dumps(value), json.dumps(value, indent=1, ensure_ascii=False)]
    if compact.startswith("{") and len(compact) > 2:
        first = compact[1:compact.index(":", compact.index('"', 1) + 1) + 1]
        texts.append("{" + first + "1," + compact[1:])  # its first member written twice
    spot = rng.randrange(len(compact) + 1)
    texts.append(compact[:spot] + rng.choice(['"a":1,', "NaN", "1e400", "\\u003a", "\\ud800", ":", ",", '"', "]",
                                              "99999999999999999999", " ", "\ufeff", "-0", "1.5e-7"])
                 + compact[spot:])
    raw = [text.encode("utf-8") for text in texts]
    raw.append(b"\xef\xbb\xbf" + raw[0])
    raw.append(raw[0][:rng.randrange(len(raw[0]) + 1)])
    return raw


def _outcome(read, raw: bytes) -> tuple:
    try:
        value = read(raw)
    except ApiError as error:
        return ("refused", error.code, str(error))
    # json.dumps tells 1 from 1.0 and spells every float exactly: equal text, equal value.
    return ("value", json.dumps(value))


@pytest.mark.parametrize("seed", range(8))
def test_a_body_read_fast_is_the_body_the_strict_reading_gives(seed):
    rng = random.Random(seed)
    fast_read = 0
    for _ in range(400):
        for raw in _spellings(rng, _value(rng)):
            assert _outcome(loads_strict, raw) == _outcome(strict_reading, raw), raw
            fast_read += json_value(raw) is not None
    assert fast_read > 400  # the fast path is taken, not only the fallback


@pytest.mark.parametrize("raw, fast", [
    (b'{"a":1,"a":2}', False),  # orjson keeps the last member; I-JSON refuses the body
    (b'{"a":{"b":1,"b":1}}', False),
    (b'{"a:":1,"b":"x:y"}', True),  # colons inside strings are counted on both sides
    (b'{"a\\u003a":1,"a:":1}', False),  # an escape could hide a colon: left to the strict reading
    (b'[18446744073709551616]', False),  # orjson reads it as a float
    (b'[-9223372036854775809]', False),
    (b'[9223372036854775807]', False),  # 19 digits: left to the strict reading, which agrees
    (b'[1e400]', False),
    (b'{"n": 12345678901234567890123}', False),
    (b'{"sha256":"1234567890123456789012ab","c":"a1234567890123456789012"}', True),  # text, not numbers
    (b'{"note":"ID 1234567890123456789012"}', False),  # may be a number: the strict reading agrees
    (b'[1234567890123456789.5]', False),
    (b'null', False),
    (b'{"cargo":' + b"[" * 200 + b"]" * 200 + b"}", True),
    (b'{"cargo":' + b"[" * 800 + b"]" * 800 + b"}", False),  # orjson reads it, cannot write it back
    (b"[" * 1100 + b"]" * 1100, False),  # beyond orjson's reading: the strict reading refuses it
    (b'{"plate":"\xe6\xb5\x99F12345","axles":[{"mass":7000.5}]}', True),
])
def test_what_orjson_reads_otherwise_is_left_to_the_strict_reading(raw, fast):
    assert (json_value(raw) is not None) is fast
    assert _outcome(loads_strict, raw) == _outcome(strict_reading, raw)


def test_duplicate_members_are_refused_with_the_strict_readings_message():
    with pytest.raises(ApiError) as refused:
        loads_strict(b'{"records":[{"uuid":"x","answers":{},"answers":{"plate":"x"}}]}')
    assert refused.value.code == "request.invalid_json"
    assert "answers" in str(refused.value)


def test_a_batch_of_records_from_phones_is_read_fast_and_the_same():
    raw = json.dumps(sync_body(*[overload_record() for _ in range(50)]), ensure_ascii=False).encode()
    assert json_value(raw) is not None
    assert _outcome(loads_strict, raw) == _outcome(strict_reading, raw)


class _Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize("seed", range(4))
def test_a_stored_json_text_reads_back_as_json_dumps_text_does(seed):
    rng = random.Random(seed)
    values = [_value(rng) for _ in range(500)]
    values += [float("nan"), [1.0, float("inf")], {"computed": {"ratio": float("-inf")}, "x": None},
               {1: "a", 2.5: "b"}, {"level": _Level.HIGH}, [2 ** 70], overload_record()["answers"]]
    for value in values:
        try:
            expected = json.dumps(json.loads(json.dumps(value)))
        except (TypeError, ValueError):
            continue
        assert json.dumps(json.loads(stored_json_text(value))) == expected, value


def test_stored_json_text_keeps_chinese_readable_and_compact():
    assert stored_json_text({"plate": "浙F12345", "axles": [1, 2.5]}) == '{"plate":"浙F12345","axles":[1,2.5]}'
