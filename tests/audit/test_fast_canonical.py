"""The hot paths' canonical JSON (orjson) writes exactly the bytes of the standard library's,
which the standalone verifiers use: a fuzzed corpus, the floats orjson spells otherwise, and the
records phones send."""
from __future__ import annotations

import json
import random
import struct
import sys
from datetime import datetime, timedelta, timezone

import pytest

from server.audit.canonical import canonical_json
from server.audit.fast_canonical import canonical_bytes, canonical_text
from testing.records import overload_record

_CHARS = ("abcxyz0129 \"\\/\b\f\n\r\t\x00\x01\x1f\x7f\x80\u00e9\u2028\u2029\ufeff\uffff"
          "中文浙F超限检查😀\U0010ffff")


def _string(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12)))


def _float(rng: random.Random) -> float:
    while True:
        choice = rng.random()
        if choice < 0.4:  # any bit pattern: every magnitude and precision
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        elif choice < 0.7:
            value = rng.uniform(-1, 1) * 10 ** rng.randint(-12, 22)
        else:
            value = round(rng.uniform(-1e5, 1e5), rng.randint(0, 6))
        if value == value and value not in (float("inf"), float("-inf")):
            return value


def _value(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "bigint", "float", "bool", "none", "time"] + (["list", "dict"] * 2 if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return _string(rng)
    if kind == "int":
        return rng.randint(-2 ** 63, 2 ** 64)
    if kind == "bigint":
        return rng.choice([1, -1]) * rng.getrandbits(rng.randint(60, 200))
    if kind == "float":
        return _float(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "time":
        moment = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=rng.choice([0, 8]))))
        return moment + timedelta(microseconds=rng.randint(0, 10 ** 9) * rng.choice([1, 10 ** 6]))
    if kind == "list":
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {_string(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


@pytest.mark.parametrize("seed", range(40))
def test_fuzzed_values_are_written_as_the_standard_library_writes_them(seed):
    rng = random.Random(seed)
    for _ in range(250):
        value = _value(rng)
        assert canonical_bytes(value) == canonical_json(value).encode("utf-8"), value


@pytest.mark.parametrize("value", [1e-05, 1.5e-07, 0.0001, 0.00012, 5e-324, -2.2250738585072014e-308, 1e16,
                                   1e+22, 1.2345678901234568e+20, -0.0, 17000.0, sys.float_info.max,
                                   2 ** 64, -(2 ** 63) - 1, {1: "int key"}, {"k": "\ud800"},
                                   {"e-": "text holding e- and 0.0000"}, {"k": ":1e-5,0.00001"}, [1e-05],
                                   [0.5, -1.5e-07]])
def test_what_orjson_spells_otherwise_or_refuses_takes_the_standard_library(value):
    try:
        expected = canonical_json(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: neither writes it as UTF-8
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected
    assert canonical_text(value) == canonical_json(value)


def test_records_as_phones_send_them_hash_alike():
    for n in range(50):
        record = json.loads(json.dumps(overload_record(measured_mass=17000 + n * 0.37)))
        assert canonical_bytes(record) == canonical_json(record).encode("utf-8")


def test_a_type_neither_knows_is_refused_alike():
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    with pytest.raises(TypeError):
        canonical_bytes({"x": object()})


@pytest.mark.parametrize("seed", range(10))
def test_an_appended_entry_hashes_its_spliced_details_as_the_standalone_verifier_hashes_them(seed):
    """An entry appended by record_event(s) has its canonical details text spliced into its
    bytes (service.leaf_values, details_canonical=True): the same leaf hash as the standard
    library's entry_bytes over the parsed details, which the standalone verifiers compute."""
    from server.audit import merkle
    from server.audit.canonical import entry_bytes
    from server.audit.service import _event_values, leaf_values

    rng = random.Random(f"leaf {seed}")
    for n in range(150):
        details = {_string(rng): _value(rng) for _ in range(rng.randint(0, 6))}
        try:
            values = _event_values(rng.choice(["inspection.submitted", "测试"]), None,
                                   rng.choice([None, "inspection"]), rng.choice([None, n, _string(rng)]),
                                   details, rng.choice([None, "::1", _string(rng)]), _string(rng))
        except UnicodeEncodeError:  # a lone surrogate: refused alike, spliced or not
            continue
        spliced = leaf_values(n + 1, values, details_canonical=True)
        parsed = leaf_values(n + 1, values)
        fields = {**{k: v for k, v in parsed.items() if k != "entry_hash"},
                  "recorded_at": values["recorded_at"].isoformat(), "details": json.loads(values["details"])}
        assert spliced == parsed
        assert spliced["entry_hash"] == merkle.leaf_hash(entry_bytes(fields)).hex(), details


def test_details_in_another_spelling_are_parsed_unless_said_to_be_canonical():
    """Why splicing is asked for, not assumed: the leaf of details text in another spelling of
    the same value is the parsed value's (what the verifiers compute); spliced, it would not be."""
    from datetime import datetime, timezone

    from server.audit.service import leaf_values

    values = {"recorded_at": datetime(2026, 12, 3, tzinfo=timezone.utc), "actor_id": None,
              "actor_username": "admin", "action": "test", "object_type": None, "object_id": None,
              "client_address": None}
    canonical = leaf_values(1, {**values, "details": '{"a":1,"b":"x"}'})
    other = leaf_values(1, {**values, "details": '{ "b": "x", "a": 1 }'})
    assert other["entry_hash"] == canonical["entry_hash"]
    assert leaf_values(1, {**values, "details": '{ "b": "x", "a": 1 }'},
                       details_canonical=True)["entry_hash"] != canonical["entry_hash"]
