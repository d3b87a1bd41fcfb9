"""testing/cases.py gives every case step a body its schema accepts, so that the case tests name
only their facts (the documents' required fields are checked by the walks in test_case_flow.py,
tests/export and tests/oversight, which issue every step's document)."""
from __future__ import annotations

import uuid

from server.cases.schemas import STEP_SCHEMAS
from testing.cases import STEP_DEFAULTS, as_json, step_body


def test_every_step_has_a_default_body_its_schema_accepts():
    assert set(STEP_DEFAULTS) == set(STEP_SCHEMAS)
    for action, schema in STEP_SCHEMAS.items():
        facts = {"inspection_uuid": uuid.uuid4()} if action == "link_evidence" else {}
        loaded = schema().load({"expected_version": 1, **as_json(step_body(action, **facts))})
        assert loaded["expected_version"] == 1, action


def test_the_facts_given_win_over_the_defaults():
    body = step_body("decide", fine_fen=0, party_present=False)
    assert (body["fine_fen"], body["party_present"], body["reasoning"]) == (0, False, "依据裁量基准")
