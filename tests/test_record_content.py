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
from testing import references


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
        assert repr(normal_form(value)) == repr(references.normal_form(value)), value


def test_failed_checks_are_counted_as_before():
    rng = random.Random(20)
    for _ in range(5000):
        value = _value(rng)
        assert count_failed_checks(value) == references.failed_checks(value), value
