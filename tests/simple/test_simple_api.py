"""The simple procedure on the spot over the API: a phone's block of document numbers, an
on-the-spot decision synced once (replayed: a duplicate), what it becomes on the server (a
confirmed `simple` disposition, a numbered 当场行政处罚决定书), and every refusal by its code."""
from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.verify import VerifyReport
from server.audit.vouched import verify_vouched_rows
from server.cases.models import Disposition
from server.clock import local_today
from server.documents.models import Document
from server.documents.service import issue_document
from server.evidence.storage import get_stores
from server.extensions import db
from server.simple.blocks import number_ledger
from server.simple.models import SimpleDecision, VoidedNumber
from server.simple.vouched import KINDS
from tests.review.conftest import failing_overload_record, sync_and_upload

from .conftest import DEVICE, decision, sync


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_blocks_come_from_the_yearly_sequence_and_are_never_handed_out_twice(login_as, block, personas):
    phone = login_as("officer1")
    first, second = block(phone, size=5), block(phone, size=3)
    assert (first["first_serial"], first["last_serial"]) == (1, 5)
    assert (second["first_serial"], second["last_serial"]) == (6, 8)
    assert first["year"] == local_today().year and first["prefix"].endswith("当罚")
    other = login_as("officer2").post("/api/devices/pwa-other/number-blocks", json={"size": 2}).get_json()
    assert (other["first_serial"], other["last_serial"]) == (9, 10)
    # A third open block on one device is refused: numbers are not hoarded.
    refused = phone.post(f"/api/devices/{DEVICE}/number-blocks", json={"size": 5})
    assert refused.status_code == 409 and refused.get_json()["code"] == "number_block.too_many"
    # A document issued on the desk takes the next number after every block.
    desk = issue_document(personas["supervisor1"], "onsite_penalty_decision", {
        "party_name": "甲", "time_place": "乙", "facts": "丙", "legal_basis": "丁", "penalty": "警告",
        "payment": "无", "remedies": "复议", "officers": ["a"]})
    assert desk.serial == 11
    reserved = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "number_block.reserved")).scalars().all()
    assert [(json.loads(e.details)["first_serial"], json.loads(e.details)["device_id"]) for e in reserved] == [
        (1, DEVICE), (6, DEVICE), (9, "pwa-other")]
    held = phone.get(f"/api/devices/{DEVICE}/number-blocks").get_json()
    assert [b["uuid"] for b in held] == [first["uuid"], second["uuid"]]


def test_a_decision_from_a_finding_syncs_once_as_a_disposition_and_a_numbered_document(
        login_as, block, personas, runner):
    phone = login_as("officer1")
    record = sync_and_upload(phone, failing_overload_record())
    numbers = block(phone)
    sent = decision(numbers, inspection_uuid=record["uuid"], item_id="within_limit")
    [created] = sync(phone, sent)
    year = numbers["year"]
    assert created["result"] == "created", created
    assert created["number"] == f"{numbers['prefix']}〔{year}〕第 {numbers['first_serial']} 号"
    row = db.session.get(SimpleDecision, uuid.UUID(sent["uuid"]))
    assert (row.penalty_kind, row.penalty_fen, row.party_kind) == ("fine", 50000, "organisation")
    assert row.received_at is not None and row.decided_at is not None and row.device_clock_offset_ms is not None
    document = db.session.get(Document, row.document_id)
    assert (document.doc_type, document.year, document.serial) == ("onsite_penalty_decision", year, 1)
    assert document.subject_type == "inspection" and document.subject_id == record["uuid"]
    assert document.fields["penalty"].endswith("罚款人民币 500 元。")
    assert "违反" in document.fields["legal_basis"] and len(document.fields["officers"]) == 2
    disposition = db.session.get(Disposition, row.disposition_id)
    assert (disposition.kind, disposition.status, disposition.penalty_fen) == ("simple", "confirmed", 50000)
    assert (disposition.inspection_uuid, disposition.item_id) == (row.inspection_uuid, "within_limit")
    for signature in row.signatures:  # the PNGs are in the evidence store under their SHA-256
        assert get_stores().originals.exists(signature["sha256"])
    # Replayed (the answer was lost): a duplicate with the same document, nothing new.
    [again] = sync(phone, sent)
    assert again["result"] == "duplicate" and again["document_uuid"] == created["document_uuid"]
    assert (_count(SimpleDecision), _count(Document), _count(Disposition)) == (1, 1, 1)
    # The same UUID with other content: a conflict, audited; the decision is never overwritten.
    [changed] = sync(phone, {**sent, "party_name": "别人"})
    assert (changed["result"], changed["code"]) == ("conflict", "simple.conflict")
    assert db.session.get(SimpleDecision, row.uuid).party_name == "海盐某某运输有限公司"
    actions = [a for (a,) in db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.action.in_(["simple_decision.created", "simple_decision.conflict", "document.issued",
                               "disposition.decided"])).order_by(AuditEntry.seq))]
    assert actions == ["document.issued", "disposition.decided", "simple_decision.created",
                       "simple_decision.conflict"]
    report = VerifyReport()
    verify_vouched_rows(report, KINDS)
    assert report.problems == []
    verified = runner.invoke(args=["audit", "verify"])  # every kind: decision, disposition, document
    assert verified.exit_code == 0, verified.output


def test_refusals_have_their_codes_and_store_nothing(login_as, block, create_user, personas):
    create_user("lapsed", certificate="expired")
    phone = login_as("officer1")
    numbers = block(phone, size=3)
    someone_elses = block(login_as("officer2"), size=2, device_id="pwa-officer2")
    cases = {
        # a citizen fined 500 yuan on the spot: over 第五十一条's 200 yuan
        "simple.over_limit": decision(numbers, party_kind="citizen", penalty={"types": ["fine"], "amount": 500}),
        # 200 yuan is within the limit, but the benchmark for 1,500 kg is 500 yuan: general procedure
        "simple.wrong_procedure": decision(numbers, party_kind="citizen",
                                           penalty={"types": ["fine"], "amount": 200}),
        # 2,000 kg over: the benchmark is 1,000 yuan; 500 is outside it
        "simple.outside_benchmark": decision(numbers, facts={"excess_mass": 2000}),
        "simple.calculation_refused": decision(numbers, facts={"excess_mass": 0}),
        "simple.invalid_officers": decision(numbers, officers=("officer1", "lapsed")),
    }
    not_mine = decision(someone_elses)
    beyond = decision(numbers, serial=numbers["last_serial"] + 1)
    bad_signature = decision(numbers)
    bad_signature["signatures"][0]["sha256"] = "0" * 64
    results = sync(phone, *cases.values(), not_mine, beyond, bad_signature)
    assert [(r["result"], r["code"]) for r in results] == [("rejected", code) for code in cases] + [
        ("rejected", "simple.number_not_in_block"), ("rejected", "simple.number_not_in_block"),
        ("rejected", "simple.invalid_signature")]
    assert "200 元" in results[0]["detail"] and results[0]["errors"]["penalty"]
    assert (_count(SimpleDecision), _count(Document), _count(Disposition)) == (0, 0, 0)
    # A number used once cannot be used again by another decision.
    assert sync(phone, decision(numbers))[0]["result"] == "created"
    assert sync(phone, decision(numbers))[0]["code"] == "simple.number_used"


def test_a_returned_block_voids_its_unused_numbers_and_the_ledger_accounts_for_every_number(
        login_as, block, personas):
    phone = login_as("officer1")
    numbers = block(phone, size=4)
    assert sync(phone, decision(numbers, serial=2))[0]["result"] == "created"
    answer = phone.post(f"/api/devices/{DEVICE}/number-blocks/{numbers['uuid']}/return")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["voided"] == [1, 3, 4] and answer.get_json()["closed_reason"] == "returned"
    assert _count(VoidedNumber) == 3
    again = phone.post(f"/api/devices/{DEVICE}/number-blocks/{numbers['uuid']}/return")
    assert again.status_code == 409 and again.get_json()["code"] == "number_block.closed"
    # A decision made with a voided number is refused.
    assert sync(phone, decision(numbers, serial=3))[0]["code"] == "simple.number_voided"
    open_block = block(phone, size=2)
    ledger = login_as("supervisor1").get(f"/api/number-ledger?year={numbers['year']}").get_json()
    assert [(r["serial"], r["state"]) for r in ledger["numbers"]] == [
        (1, "voided"), (2, "used"), (3, "voided"), (4, "voided"), (5, "reserved"), (6, "reserved")]
    assert ledger["missing"] == [] and open_block["first_serial"] == 5
    assert number_ledger(numbers["year"])["numbers"][0]["reason"] == "设备交回未用号码"
    assert login_as("officer1").get(f"/api/number-ledger?year={numbers['year']}").status_code == 403
    report = VerifyReport()
    verify_vouched_rows(report, KINDS)
    assert report.problems == []


def test_year_end_closes_open_blocks_and_voids_their_unused_numbers(runner, personas):
    from datetime import timedelta

    from server.clock import utcnow
    from server.simple.models import NumberBlock

    last_year = local_today().year - 1
    block = NumberBlock(uuid=uuid.uuid4(), doc_type="onsite_penalty_decision", year=last_year,
                        first_serial=1, last_serial=3, device_id=DEVICE, user_id=personas["officer1"].id,
                        reserved_at=utcnow() - timedelta(days=400))
    db.session.add(block)
    db.session.commit()
    refused = runner.invoke(args=["simple", "close-year", str(local_today().year)])
    assert refused.exit_code != 0 and "has not ended" in refused.output
    result = runner.invoke(args=["simple", "close-year", str(last_year)])
    assert result.exit_code == 0, result.output
    assert "3 numbers voided" in result.output
    voided = db.session.execute(sa.select(VoidedNumber.serial, VoidedNumber.reason)).all()
    assert sorted(voided) == [(1, "year_end"), (2, "year_end"), (3, "year_end")]
    ledger = runner.invoke(args=["simple", "ledger", str(last_year)])
    assert ledger.exit_code == 0 and ledger.output.count("年度结束未用号码") == 3
