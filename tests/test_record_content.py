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


def _moment(rng: random.Random):
    return datetime(2026, 11, 30, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                    rng.choice([0, 123456]), tzinfo=timezone(timedelta(hours=rng.choice([8, 0, -5]))))


def _sync_values(rng: random.Random) -> tuple[dict, list[dict], list[dict]]:
    """A record's inspection row, its new evidence rows and its officers, as a sync makes them."""
    def some_uuid():
        return uuid.UUID(int=rng.getrandbits(128))

    def place_number():
        return rng.choice([None, 30.5257, 120.0, 8, 2 ** 53 + 1, 1e20, -0.0])

    evidence = [{"uuid": some_uuid(), "item_id": rng.choice(["photos", "签名"]), "sha256": "ab" * 32,
                 "size": rng.choice([0, 1024, 2 ** 40, 2 ** 53 + 1]), "media_type": "image/jpeg",
                 "captured_at": _moment(rng)}
                for _ in range(rng.randint(0, 4))]
    record_uuid = some_uuid()
    inspection = {
        "uuid": record_uuid, "root_uuid": rng.choice([record_uuid, some_uuid()]),
        "revision": rng.randint(1, 3), "replaces_uuid": rng.choice([None, some_uuid()]),
        "amendment_reason": rng.choice([None, "更正车牌"]), "form_id": "overload", "form_version": 1,
        "subject_kind": "vehicle", "subject_name": "浙F12345", "subject_code": rng.choice([None, "X1"]),
        "subject_description": rng.choice([None, "货车"]), "place_latitude": place_number(),
        "place_longitude": place_number(), "place_accuracy_m": place_number(),
        "place_address": rng.choice([None, "海盐"]), "started_at": _moment(rng), "finished_at": _moment(rng),
        "received_at": _moment(rng).astimezone(timezone.utc),
        "device_clock_offset_ms": rng.choice([None, -420_000, 5, -(2 ** 60)]),
        "device_id": "phone-1", "app_version": "1.0", "answers": _value(rng), "computed": _value(rng),
        "failed_checks": rng.randint(0, 3), "evidence_expected": len(evidence), "content_hash": "cd" * 32,
        "evidence_uuids": [str(e["uuid"]) for e in evidence] + [str(some_uuid())] * rng.randint(0, 2)}
    officers = [{"username": f"officer{n}", "certificate_number": f"330officer{n}"}
                for n in range(1, rng.randint(2, 3))]
    return inspection, evidence, officers


def test_a_sync_s_facts_are_those_the_audit_verification_recomputes():
    """sync_rows.submitted_facts (the sync's fast path) gives what content.record_facts gives
    for the revision as the API shows it, which `audit verify` recomputes from the stored row."""
    from server.inspections.content import record_facts
    from server.inspections.sync_rows import submitted_facts
    from server.inspections.vouched import revision_view

    rng = random.Random(21)
    for _ in range(3000):
        inspection, evidence, officers = _sync_values(rng)
        view = revision_view(inspection, submitted_by="officer1", team=rng.choice([None, "A"]), officers=officers)
        expected = record_facts(view, evidence)
        fast = submitted_facts(inspection, evidence, submitted_by="officer1", team=view["team"], officers=officers)
        assert repr(fast) == repr({k: expected[k] for k in fast}) and fast.keys() == expected.keys(), inspection
