"""The canonical content that `inspection.submitted` entries commit to (inspections/content.py)
keeps its exact spelling: `normal_form`, which skips a call for members that are their own
normal form, agrees with the plain recursive walk it replaced on fuzzed JSON values (a change of
spelling would make every stored record's hash disagree with its entry), and the count of
failed checks agrees with its plain walk too."""
import random
import uuid
from datetime import datetime, timedelta, timezone

from server.inspections.content import TIME_FIELDS, normal_form
from server.inspections.models import count_failed_checks

_EXACT_INT = 2 ** 53


def reference_normal_form(value, key=None):
    """normal_form as it was written before (one call per value)."""
    kind = type(value)
    if kind is str:
        if key in TIME_FIELDS:
            return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat()
        return value
    if kind is dict:
        return {str(k): reference_normal_form(v, k) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [reference_normal_form(v) for v in value]
    if value is None or kind is bool:
        return value
    if kind is int:
        if -_EXACT_INT <= value <= _EXACT_INT:
            return value
        value = float(value)
    elif kind is not float:
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).isoformat() if key in TIME_FIELDS else value
        return str(value) if isinstance(value, uuid.UUID) else value
    return int(value) if value.is_integer() else value


def reference_failed(answers) -> int:
    if isinstance(answers, dict):
        if answers.get("result") == "fail" and set(answers) <= {"result", "note", "photos"}:
            return 1
        return sum(reference_failed(v) for v in answers.values())
    if isinstance(answers, list):
        return sum(reference_failed(v) for v in answers)
    return 0


def _value(rng: random.Random, depth: int = 0):
    leaves = [None, True, False, 0, 1, -5, 2 ** 53, 2 ** 53 + 1, -(2 ** 60), 17000.0, 2.5, 1e20, -0.0, "",
              "文本", "fail", uuid.UUID(int=rng.getrandbits(128)),
              datetime(2026, 11, 30, 8, 0, tzinfo=timezone(timedelta(hours=8))),
              "2026-11-30T08:00:00+08:00"]
    if depth > 3 or rng.random() < 0.5:
        return rng.choice(leaves)
    if rng.random() < 0.5:
        keys = ["a", "started_at", "captured_at", "result", "note", "photos", "received_at", 3]
        times = [None, "2026-11-30T08:00:00+08:00", "2026-11-30T00:00:00Z",
                 datetime(2026, 11, 30, 8, 0, tzinfo=timezone(timedelta(hours=8)))]
        return {k: rng.choice(times) if k in TIME_FIELDS else _value(rng, depth + 1)
                for k in rng.sample(keys, rng.randint(0, 5))} | ({"result": "fail"} if rng.random() < 0.2 else {})
    return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))] if rng.random() < 0.8 \
        else tuple(_value(rng, depth + 1) for _ in range(2))


def test_normal_form_spells_every_value_as_before():
    rng = random.Random(19)
    for _ in range(5000):
        value = _value(rng)
        assert repr(normal_form(value)) == repr(reference_normal_form(value)), value


def test_failed_checks_are_counted_as_before():
    rng = random.Random(20)
    for _ in range(5000):
        value = _value(rng)
        assert count_failed_checks(value) == reference_failed(value), value
