"""Export fixtures: a known history that produces every event type exported today, a collector's
token, and settings that make retries immediate and timeouts short (so a test runs in seconds)."""
from __future__ import annotations

import copy
import io
import json
import uuid
from pathlib import Path

import pytest
from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from server.export import clients, outbox
from server.export.schema_files import PUBLISHED_BASE, SCHEMA_DIR
from server.extensions import db
from testing.cases import CaseWalk
from testing.documents import FIELDS as DOCUMENT_FIELDS
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


def make_history(login_as, personas, *, cases_and_directories: bool = True) -> dict:
    """Every kind exported today, through the API as users cause it: an inspection submitted
    with its evidence, returned, amended, sent to legal review, agreed, approved; an officer's
    certificate renewed; an officer disabled, enabled again and renamed; then (unless told not
    to) dispositions, cases, documents, archives, targets and certificates by domain."""
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
    if not cases_and_directories:
        return {"first": first, "second": second, "record": record, "amendment": amendment}
    cases = make_case_history(login_as, second)
    make_directory_history(login_as, personas)
    return {"first": first, "second": second, "record": record, "amendment": amendment, **cases}


TRANSFER_LETTER = DOCUMENT_FIELDS["case_transfer_letter"]


def _post(client, path: str, body: dict | None = None, status: int = 200) -> dict:
    answer = client.post(path, json=body or {})
    assert answer.status_code == status, (path, answer.get_json())
    return answer.get_json()


def make_case_history(login_as, approved: dict) -> dict:
    """Dispositions of each kind of change, every step of a case, a case not opened, a
    document issued and sealed, an archive built. On `approved`'s finding: an officer proposes
    a correction the supervisor rejects, then the supervisor opens a case at once, and declines
    to open it. A second approved record goes the general procedure to 结案 (as
    tests/cases/test_case_flow.py, with an extension)."""
    from server.documents.queue import seal_pending
    from server.documents.seal_keys import make_demo_seal
    from tests.cases.conftest import overloaded_record

    officer, supervisor, reviewer = login_as("officer1"), login_as("supervisor1"), login_as("reviewer1")
    finding = f"/api/inspections/{approved['uuid']}/findings/within_limit/disposition"
    proposal = _post(officer, finding, {"kind": "correction", "correction_due": "2199-01-01"}, 201)
    _post(supervisor, f"/api/dispositions/{proposal['id']}/reject", {"expected_version": 1, "reason": "应当立案"})
    _post(supervisor, finding, {"kind": "case"}, 201)
    [declined] = supervisor.get("/api/cases").get_json()
    CaseWalk.over_http(declined).step(supervisor, "reject_opening", reason="已由其他部门处理")

    record = sync_and_upload(officer, overloaded_record(plate="浙F54321"))
    _post(supervisor, f"/api/inspections/{record['uuid']}/review/approve", {"expected_status": "complete"})
    proposal = _post(officer, f"/api/inspections/{record['uuid']}/findings/within_limit/disposition",
                     {"kind": "case"}, 201)
    _post(supervisor, f"/api/dispositions/{proposal['id']}/confirm", {"expected_version": 1, "party_kind": "citizen"})
    case = next(c for c in supervisor.get("/api/cases").get_json() if c["id"] != declined["id"])

    walk = CaseWalk.over_http(case)
    walk.steps([
        (supervisor, "approve_opening", {"on": "2026-09-01"}),
        (officer, "add_interview", {"on": "2026-09-03"}),
        (officer, "link_evidence", {"inspection_uuid": record["uuid"]}),
        (supervisor, "extend", {"on": "2026-09-04"}),
        (officer, "notify", {"on": "2026-09-10", "proposed_fine_fen": 1_500_000, "facts": "车货总质量超过限定标准",
                             "circumstances": {"repeat_count": 2},
                             "reason_outside_benchmark": "一年内第三次超限运输，屡教不改"}),
        (officer, "record_statement", {"on": "2026-09-11", "statement": "称不知道限重标准。"}),
        (officer, "request_hearing", {"on": "2026-09-14"}),
        (officer, "record_hearing", {"on": "2026-09-18"}),
        (supervisor, "send_to_legal_review", {"on": "2026-09-21"}),
        (reviewer, "legal_opinion", {"on": "2026-09-22"}),
        # private words the export must leave out (test_format.py): the receipt, the reasoning
        (supervisor, "decide", {"on": "2026-09-24", "fine_fen": 1_500_000, "party_present": False,
                                "reasoning": "依据条例"}),
        (officer, "serve", {"on": "2026-09-28", "method": "mail", "recipient": "赵师傅", "receipt": "挂号信回执"}),
    ])
    case = walk.case
    case = _post(supervisor, f"/api/cases/{case['id']}/payments", {
        "expected_version": case["version"], "amount_fen": 1_815_000, "reference": "BANK-001",
        "paid_on": "2026-10-20"})
    walk.case = case
    case = walk.step(supervisor, "close", on="2026-10-21")

    document = _post(officer, f"/api/inspections/{approved['uuid']}/documents/inspection-record", status=201)
    letter = _post(supervisor, "/api/documents", {"type": "case_transfer_letter", "inspection_uuid": approved["uuid"],
                                                  "fields": TRANSFER_LETTER}, 201)
    make_demo_seal(current_app.config["STORAGE_DIR"], current_app.config["BUREAU_NAME"])
    db.session.rollback()
    # the two above and the case's six step documents (立案审批表 … 结案审批表)
    assert seal_pending()["signed"] == 8
    archive = _post(supervisor, f"/api/inspections/{approved['uuid']}/archive", status=201)
    _post(supervisor, f"/api/archives/{archive['uuid']}/transfer", {"letter_uuid": letter["uuid"]}, 201)
    return {"case": case, "declined_case": declined, "document": document, "case_record": record}


def make_directory_history(login_as, personas) -> None:
    """Targets imported, then imported again with a new name and credit class; an officer's
    certificate by domain added and revoked."""
    from tests.targets.files import XIAOMI, csv_bytes, row

    admin = login_as("admin")
    for name, credit_class in (("海盐县顺达运输有限公司", "B"), ("海盐县顺达物流有限公司", "C")):
        data = {"file": (io.BytesIO(csv_bytes([row(name=name, code=XIAOMI, credit_class=credit_class,
                                                       since="2026-01-01")])), "targets.csv")}
        answer = admin.post("/api/targets/import", data=data, content_type="multipart/form-data")
        assert answer.status_code == 200, answer.get_json()
    added = _post(admin, f"/api/officer-directory/{personas['officer2'].id}/certificates", {
        "number": "33042499002", "domains": ["overload", "dangerous_goods"], "valid_from": "2026-01-01",
        "valid_until": "2029-12-31"}, 201)
    _post(admin, f"/api/officer-directory/certificates/{added['id']}/revoke", {"reason": "调离执法岗位"})


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
