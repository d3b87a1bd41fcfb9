"""Fixtures of the 案卷评查 tests: the known closed files, and a drawn sample of them."""
from __future__ import annotations

import pytest

from tests.evalreview.history import QUARTER, build_files


@pytest.fixture
def files(app, personas, create_user):
    """The closed files of tests/evalreview/history.py, and supervisor2 (team B, involved in none)."""
    create_user("supervisor2", roles=("supervisor",), team="B", certificate=None)
    app.config.update(REVIEW_SAMPLE_SHARE="0.5", REVIEW_SAMPLE_MINIMUM=2)
    return build_files()


@pytest.fixture
def drawn(files, login_as):
    """The quarter's sample, committed and drawn by the admin: (sample JSON, file ids by name)."""
    admin = login_as("admin")
    committed = admin.post("/api/evalreview/samples", json={"quarter": QUARTER})
    assert committed.status_code == 201, committed.get_json()
    answer = admin.post(f"/api/evalreview/samples/{committed.get_json()['id']}/draw",
                        json={"witness_value": "2026-10-08 体彩排列五 36912"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json(), files
