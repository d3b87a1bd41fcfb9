"""Issuing documents as an officer does: every type is numbered, laid out and sealed, and its
seal verifies; a missing field is refused naming it in Chinese; the seal state shows while the
document waits in the queue; the 现场检查笔录 takes its fields from a real synced inspection."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.documents import queue
from server.documents.models import Document
from server.documents.queue import seal_pending
from server.documents.render import render_document
from server.documents.sealing import validate_sealed
from server.extensions import db
from testing.concurrent import at_once
from testing.documents import FIELDS
from tests.casefile.conftest import synced_case  # noqa: F401 (fixture)

TYPES = {"inspection_record": "检", "inquiry_record": "询", "rectification_notice": "责改",
         "case_filing_approval": "立", "penalty_notice": "罚告", "penalty_decision": "罚",
         "onsite_penalty_decision": "当罚", "service_receipt": "送", "case_closing_approval": "结",
         "case_transfer_letter": "移"}


def test_every_type_is_listed_with_its_fields(login_as):
    answer = login_as("officer1").get("/api/documents/types")
    assert answer.status_code == 200
    listed = {t["code"]: t for t in answer.get_json()}
    assert set(listed) == set(TYPES)
    decision = {f["name"]: f for f in listed["penalty_decision"]["fields"]}
    for reasoning in ("facts_found", "evidence_relied_on", "statements_heard", "legal_basis",
                      "benchmark_level"):
        assert decision[reasoning]["required"], reasoning


@pytest.mark.parametrize("doc_type", sorted(TYPES))
def test_each_type_is_issued_numbered_and_sealed(sealed, demo_seal, doc_type, app):
    document, pdf = sealed(doc_type)
    year = document.year
    assert document.number == f"海盐交{TYPES[doc_type]}〔{year}〕第 1 号"
    check = validate_sealed(pdf, [demo_seal])
    assert check.ok, check.summary
    actions = db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == str(document.uuid)).order_by(AuditEntry.seq)).scalars().all()
    assert actions == ["document.issued", "document.signed"]


def test_the_bureau_prefix_is_configurable(app, issue):
    app.config["DOCUMENT_NUMBER_PREFIX"] = "嘉兴交"
    first, second = issue("penalty_decision"), issue("penalty_decision")
    assert first.number.startswith("嘉兴交罚〔") and first.number.endswith("第 1 号")
    assert second.number.endswith("第 2 号")
    assert issue("penalty_notice").number.endswith("第 1 号")  # each type counts on its own


def test_a_decision_without_its_reasoning_is_refused_naming_each_section(login_as):
    officer = login_as("officer1")
    fields = {k: v for k, v in FIELDS["penalty_decision"].items()
              if k not in ("statements_heard", "benchmark_level")}
    fields["evidence_relied_on"] = ["  "]  # blank lines are no evidence
    answer = officer.post("/api/documents", json={"type": "penalty_decision", "fields": fields})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["code"] == "document.missing_fields"
    for label in ("认定事实的证据", "当事人陈述、申辩及采纳情况", "适用的裁量基准及裁量理由"):
        assert f"“{label}”" in problem["detail"], problem["detail"]
    assert problem["fields"] == ["evidence_relied_on", "statements_heard", "benchmark_level"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Document)).scalar() == 0


@pytest.mark.parametrize("body, code", [
    ({"type": "no_such_type", "fields": {}}, "document.unknown_type"),
    ({"type": "penalty_notice", "fields": {**FIELDS["penalty_notice"], "fine": "1"}}, "document.unknown_fields"),
    ({"type": "rectification_notice", "fields": {**FIELDS["rectification_notice"], "deadline": "下周"}},
     "document.invalid_fields"),
    ({"type": "penalty_notice", "fields": {**FIELDS["penalty_notice"], "evidence": "称重单"}},
     "document.invalid_fields"),
])
def test_bad_fields_are_refused_with_their_code(login_as, body, code):
    answer = login_as("officer1").post("/api/documents", json=body)
    assert answer.status_code == 422 and answer.get_json()["code"] == code, answer.get_json()


def test_the_seal_state_shows_while_the_document_waits(login_as, demo_seal):
    officer = login_as("officer1")
    answer = officer.post("/api/documents", json={"type": "penalty_notice", "fields": FIELDS["penalty_notice"]})
    assert answer.status_code == 201, answer.get_json()
    issued = answer.get_json()
    assert (issued["state"], issued["state_label"]) == ("pending", "待签章")
    waiting = officer.get(f"/api/documents/{issued['uuid']}/pdf")
    assert waiting.status_code == 409 and waiting.get_json()["code"] == "document.not_sealed"
    assert seal_pending()["signed"] == 1
    shown = officer.get(f"/api/documents/{issued['uuid']}").get_json()
    assert (shown["state"], shown["state_label"]) == ("signed", "已签章")
    pdf = officer.get(f"/api/documents/{issued['uuid']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    import hashlib
    assert hashlib.sha256(pdf.data).hexdigest() == shown["signed_sha256"]
    assert validate_sealed(pdf.data, [demo_seal]).ok


def test_a_failed_seal_shows_its_reason_and_is_retried(app, login_as, issue, demo_seal, tmp_path):
    document = issue("service_receipt")
    app.config["SEAL_PKCS12"] = str(tmp_path / "missing.p12")
    assert seal_pending() == {"signed": 0, "failed": 1, "skipped": 0}
    shown = login_as("officer1").get(f"/api/documents/{document.uuid}").get_json()
    assert (shown["state"], shown["state_label"]) == ("failed", "签章失败")
    assert "missing.p12" in shown["sign_error"]
    app.config["SEAL_PKCS12"] = None
    assert seal_pending()["signed"] == 0  # a failed one waits for a retry by hand
    assert seal_pending(retry_failed=True)["signed"] == 1


def test_others_cannot_see_a_document(login_as, issue):
    document = issue("penalty_notice")
    answer = login_as("officer3").get(f"/api/documents/{document.uuid}")
    assert answer.status_code == 404
    assert login_as("reviewer1").post("/api/documents", json={
        "type": "penalty_notice", "fields": FIELDS["penalty_notice"]}).status_code == 403


def test_the_inspection_record_takes_its_fields_from_the_inspection(login_as, synced_case, demo_seal):  # noqa: F811
    officer = login_as("officer1")
    answer = officer.post(f"/api/inspections/{synced_case.uuid}/documents/inspection-record")
    assert answer.status_code == 201, answer.get_json()
    issued = answer.get_json()
    assert issued["subject_type"] == "inspection" and issued["subject_id"] == synced_case.uuid
    assert issued["party"] == synced_case.record["subject"]["name"]
    findings = issued["fields"]["findings"]
    assert len(findings) >= 3 and all("：" in line for line in findings), findings
    assert len(issued["fields"]["evidence"]) == len(synced_case.record["evidence"])
    assert seal_pending()["signed"] == 1
    pdf = officer.get(f"/api/documents/{issued['uuid']}/pdf").data
    assert validate_sealed(pdf, [demo_seal]).ok
    other = login_as("officer3").post(f"/api/inspections/{synced_case.uuid}/documents/inspection-record")
    assert other.status_code == 404
    assert login_as("officer3").get(f"/api/documents/{issued['uuid']}").status_code == 404
    assert uuid.UUID(issued["uuid"])


def test_the_demo_seal_command_makes_it_once_and_warns(runner, storage_dir):
    first = runner.invoke(args=["documents", "demo-seal"])
    assert first.exit_code == 0, first.output
    assert "演示用" in first.output and "made demo seal" in first.output
    assert (storage_dir / "seal" / "demo-seal.p12").stat().st_mode & 0o777 == 0o600
    again = runner.invoke(args=["documents", "demo-seal"])
    assert "kept demo seal" in again.output and "演示用" in again.output


def test_two_sealers_at_once_take_turns_and_lay_each_document_out_once(app, issue, demo_seal, monkeypatch):
    """Every worker's sealer starts with it and polls on the same beat: without a turn, each laid
    out every waiting document (in a layout child of its own) and dropped its copy."""
    waiting = [issue("onsite_penalty_decision").id for _ in range(3)]
    db.session.remove()  # reading the ids began a transaction: the sealers write meanwhile
    laid_out = []

    def render_counted(document, **options):
        laid_out.append(document.id)
        return render_document(document, **options)

    monkeypatch.setattr(queue, "render_document", render_counted)

    def sealer():
        with app.app_context():
            try:
                return seal_pending()
            finally:
                db.session.remove()

    counts = at_once([sealer, sealer], timeout=240)
    assert sorted(laid_out) == sorted(waiting)
    assert sorted(c["signed"] for c in counts) == [0, 3] and all(c["skipped"] == 0 for c in counts)
