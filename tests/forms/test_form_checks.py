"""The compiled checks of a form version (form_checks.py) say exactly what the reference that
walks the form's tree says (testing/references.walk_answers): the same errors in the same order, the
same computed values and evidence, for every form in forms/ and the test form of
test_validation.py, on valid answers and on thousands of fuzzed ones."""
import random
import uuid

import pytest

from server.config import ROOT_DIR
from server.forms.loader import load_forms_dir
from server.forms.validation import validate_answers
from testing.records import overload_record
from testing.references import walk_answers

from .test_validation import form as kitchen_form  # noqa: F401 - the fixture

FORMS = load_forms_dir(ROOT_DIR / "forms")
SCALARS = [None, "", "yes", "no", "pass", "fail", "na", "a", "b", "truck_2", "single_single_tyre", 0, 1, -1,
           7000, 17000, 17000.0, 1e9, 2.5, True, False, "2024-05-01", "2024-05-01T09:30:00+08:00",
           "2024-13-01", [], {},
           # For the fast paths of form_checks._value_checker: integers past a float's exact
           # range, text past any length limit, negative and fractional numbers at the bounds.
           2 ** 60, -2 ** 60, 2 ** 53 + 1, "长" * 4001, -0.5, 100000]


def _some_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if roll < 0.45 or depth > 2:
        return rng.choice(SCALARS)
    if roll < 0.6:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if roll < 0.75:
        return {"result": rng.choice(["pass", "fail", "na", "x", None, ["pass"]]),
                **({"note": rng.choice(["", "情况", 3, None])} if rng.random() < 0.5 else {}),
                **({"photos": rng.choice([[str(uuid.UUID(int=rng.getrandbits(128)))], [], None, 0])}
                   if rng.random() < 0.4 else {}),
                **({"extra": 1} if rng.random() < 0.1 else {})}
    if roll < 0.85:
        return {"lat": rng.uniform(-100, 100), "lon": rng.uniform(-200, 200), "accuracy": rng.choice([5, -1])}
    return [_some_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def _fuzzed(form, base: dict, rng: random.Random) -> dict:
    answers = dict(base)
    ids = list(form.items) + ["no_such_item"]
    for _ in range(rng.randint(1, 6)):
        item_id = rng.choice(ids)
        ref = form.items.get(item_id)
        if rng.random() < 0.25:
            answers.pop(item_id, None)
        elif ref is not None and ref.item["type"] == "repeat" and rng.random() < 0.7:
            columns = [c["id"] for c in ref.item["items"]] + ["extra"]
            answers[item_id] = [{c: _some_value(rng) for c in rng.sample(columns, rng.randint(0, len(columns)))}
                                for _ in range(rng.randint(0, 3))]
        else:
            answers[item_id] = _some_value(rng)
    return answers


def _outcome(check):
    return check.errors, check.computed, check.evidence


@pytest.mark.parametrize("key", sorted(FORMS), ids=lambda key: f"{key[0]}-v{key[1]}")
def test_compiled_checks_agree_with_the_walking_reference(key):
    form = FORMS[key]
    rng = random.Random(f"{key}")
    base = overload_record()["answers"] if key[0] == "overload" else {}
    assert _outcome(validate_answers(form, base)) == _outcome(walk_answers(form, base))
    for _ in range(1500):
        answers = _fuzzed(form, base, rng)
        assert _outcome(validate_answers(form, answers)) == _outcome(walk_answers(form, answers)), answers


def test_compiled_checks_agree_on_every_item_type(kitchen_form):  # noqa: F811
    rng = random.Random("kitchen")
    assert _outcome(validate_answers(kitchen_form, [])) == _outcome(walk_answers(kitchen_form, []))
    for _ in range(3000):
        answers = _fuzzed(kitchen_form, {}, rng)
        assert _outcome(validate_answers(kitchen_form, answers)) == _outcome(walk_answers(kitchen_form, answers))


def test_a_valid_overload_record_has_no_errors_either_way():
    form = FORMS[("overload", 1)]
    answers = overload_record()["answers"]
    assert validate_answers(form, answers).errors == [] == walk_answers(form, answers).errors
