"""The tolerances behind the evidence flags are served to the phone, which warns with the same
numbers at capture (static/pwa/js/photo-check.js); the settings decide them, for logged-in users."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("who", ["officer1", "supervisor1", "reviewer1"])
def test_flag_rules_are_the_settings(login_as, who):
    answer = login_as(who).get("/api/evidence/flag-rules")
    assert answer.status_code == 200
    assert answer.get_json() == {"clock_tolerance_minutes": 10, "place_tolerance_m": 1000, "late_minutes": 60}


def test_flag_rules_follow_changed_settings(app, login_as):
    app.config.update(EVIDENCE_CLOCK_TOLERANCE_MINUTES=3, EVIDENCE_PLACE_TOLERANCE_M=250, EVIDENCE_LATE_MINUTES=30)
    answer = login_as("officer1").get("/api/evidence/flag-rules")
    assert answer.get_json() == {"clock_tolerance_minutes": 3, "place_tolerance_m": 250, "late_minutes": 30}


def test_flag_rules_need_a_login(client, personas):
    answer = client.get("/api/evidence/flag-rules")
    assert answer.status_code == 401
    assert answer.content_type == "application/problem+json"
