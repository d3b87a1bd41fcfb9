"""Export fixtures: a known history that produces every event type exported today, a collector's
token, and settings that make retries immediate and timeouts short (so a test runs in seconds)."""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from server.export import clients, outbox
from server.export.schema_files import PUBLISHED_BASE, SCHEMA_DIR
from server.extensions import db
from tests.factories import evidence_entry
from tests.review.conftest import failing_overload_record, sync_and_upload

CHECKLIST = {"legal_basis_cited": True, "facts_clear": True, "evidence_sufficient": True,
             "procedure_followed": True, "discretion_appropriate": True}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_MAX_ATTEMPTS": 4, "EXPORT_RETRY_BASE_SECONDS": 0,
            "EXPORT_WEBHOOK_TIMEOUT_SECONDS": 1, "EXPORT_PAGE_MAX": 50}


def _registry() -> Registry:
    resources = [(PUBLISHED_BASE + p.name, Resource.from_contents(json.loads(p.read_text())))
                 for p in Path(SCHEMA_DIR).glob("*.json")]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    """A validator of the published schema `name`, formats asserted, $refs resolved locally."""
    schema = REGISTRY.contents(PUBLISHED_BASE + name)
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())


def assert_valid(name: str, document) -> None:
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def make_history(login_as, personas) -> dict:
    """Every kind exported today, through the API as users cause it: an inspection submitted
    with its evidence, returned, amended, sent to legal review, agreed, approved; an officer's
    certificate renewed; an officer disabled, enabled again and renamed."""
    officer, supervisor, reviewer = login_as("officer1"), login_as("supervisor1"), login_as("reviewer1")
    admin = login_as("admin")
    record = failing_overload_record()
    first = sync_and_upload(officer, record)
    answer = supervisor.post(f"/api/inspections/{first['uuid']}/review/return", json={
        "expected_status": "complete", "comment": "称重单照片模糊，请补拍。",
        "item_comments": {"weighing_ticket": "看不清读数。"}})
    assert answer.status_code == 200, answer.get_json()
    amendment = copy.deepcopy(record)
    old = next(e for e in amendment["evidence"] if e["item_id"] == "weighing_ticket")
    new = evidence_entry("weighing_ticket")
    amendment["evidence"][amendment["evidence"].index(old)] = new
    amendment["answers"]["weighing_ticket"] = [new["uuid"]]
    amendment.update(uuid=str(uuid.uuid4()), replaces=first["uuid"], amendment_reason="补拍称重单。")
    second = sync_and_upload(officer, amendment)
    for client, path, body in (
            (supervisor, "legal-review", {"expected_status": "complete", "reason": "拟处以较大数额罚款。"}),
            (reviewer, "legal-opinion", {"expected_status": "in_review", "opinion": "agree",
                                         "checklist": CHECKLIST, "comment": "同意。"}),
            (supervisor, "approve", {"expected_status": "complete", "comment": "同意。"})):
        answer = client.post(f"/api/inspections/{second['uuid']}/review/{path}", json=body)
        assert answer.status_code == 200, answer.get_json()
    officer2, officer3 = personas["officer2"].id, personas["officer3"].id
    for method, path, body in (
            ("put", f"/api/users/{officer2}/certificate",
             {"number": "33042499001", "valid_from": "2026-01-01", "valid_until": "2029-12-31"}),
            ("patch", f"/api/users/{officer3}", {"active": False}),
            ("patch", f"/api/users/{officer3}", {"active": True}),
            ("patch", f"/api/users/{officer3}", {"display_name": "王三"})):
        answer = getattr(admin, method)(path, json=body)
        assert answer.status_code == 200, answer.get_json()
    return {"first": first, "second": second, "record": record, "amendment": amendment}


@pytest.fixture
def history(login_as, personas) -> dict:
    return make_history(login_as, personas)


@pytest.fixture
def collector(app) -> tuple[str, dict]:
    """A collector of the platform: its name and the Authorization header with its token."""
    _client, token = clients.add_client("province")
    db.session.commit()
    return "province", {"Authorization": f"Bearer {token}"}


@pytest.fixture
def endpoint(app):
    """Factory: an endpoint for a receiver's URL; returns its signing secret."""
    def make(url: str, name: str = "province") -> str:
        added = outbox.add_endpoint(name, url)
        db.session.commit()
        return added.secret
    return make


def pull_all(client, headers: dict, limit: int = 50, cursor: str | None = None) -> tuple[list, str]:
    """Every event from `cursor` on, page by page (each page checked against page.json)."""
    events = []
    while True:
        # Under gunicorn each request reads in a transaction of its own; the test client's
        # requests share the test's session, so end its read transaction as a request would.
        db.session.rollback()
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = client.get("/api/export/v1/events", query_string=query, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        page = answer.get_json()
        assert_valid("page.json", page)
        events += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor
