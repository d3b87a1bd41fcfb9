"""On-the-spot decisions synced from phones, exactly once each.

A batch is answered per decision: `created`, `duplicate` (same UUID, same content: the first
answer again), `conflict` (same UUID, other content: nothing changes, the attempt is audited) or
`rejected` (a catalog code of checks.py and zh-CN messages; nothing is stored, the phone keeps
it). Each decision is written in a savepoint of the request's one transaction with its audit
entries: the decision row, a confirmed `simple` disposition of the finding (when it came from an
inspection), and the 当场行政处罚决定书 issued with the phone's number, which the sealer then seals.
"""
from __future__ import annotations

import hashlib
import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from marshmallow import ValidationError

from ..accounts.models import User
from ..audit.canonical import canonical_json
from ..audit.service import record_event
from ..cases.dispositions import FACTS as DISPOSITION_FACTS
from ..cases.facts import facts_of, plain
from ..cases.findings import finding_of
from ..cases.models import Disposition
from ..clock import utcnow
from ..documents.service import issue_document
from ..errors import translate_field_messages
from ..evidence.storage import get_stores
from ..extensions import db
from ..inspections.models import Inspection
from ..inspections.rejection import Rejected, rejected_answer
from ..inspections.service import clock_offset_ms
from ..review.service import is_participant
from . import checks
from .document_text import decision_fields
from .models import DOC_TYPE, SimpleDecision
from .schemas import DecisionSchema

_schema = DecisionSchema()
# The columns the `simple_decision.created` entry commits to (vouched.py checks the row).
FACTS = ("block_id", "year", "serial", "document_id", "disposition_id", "inspection_uuid", "item_id",
         "violation_code", "benchmark", "facts", "party_kind", "party_name", "penalty_kind",
         "penalty_fen", "officer_ids", "signatures", "submitted_by_id", "device_id", "decided_at",
         "received_at", "device_clock_offset_ms", "content_hash")


def content_hash(raw) -> str:
    return hashlib.sha256(canonical_json(raw).encode("utf-8")).hexdigest()


def sync_decisions(user: User, decisions: list, device_time: datetime | None) -> dict:
    """Process a batch of decisions from `user`'s phone; one answer per decision, in order."""
    server_time = utcnow()
    offset = clock_offset_ms(device_time, server_time)
    results = []
    for index, raw in enumerate(decisions):
        try:
            with db.session.begin_nested():
                results.append(_one(user, index, raw, server_time, offset))
        except Rejected as refused:
            results.append(refused.answer(index, _peek_uuid(raw)))
    return {"server_time": server_time, "device_clock_offset_ms": offset, "results": results}


def _peek_uuid(raw):
    try:
        return uuidlib.UUID(str(raw.get("uuid")))
    except (AttributeError, ValueError, TypeError):
        return None


def answer_of(index: int, row: SimpleDecision, result: str) -> dict:
    from ..documents.models import Document

    document = db.session.get(Document, row.document_id)
    return {"index": index, "uuid": str(row.uuid), "result": result, "number": document.number,
            "document_uuid": str(document.uuid), "disposition_id": row.disposition_id,
            "received_at": row.received_at}


def _one(user: User, index: int, raw, server_time: datetime, offset: int | None) -> dict:
    decision_uuid = _peek_uuid(raw)
    if decision_uuid is None:
        return rejected_answer(index, None, "simple.invalid_record", "决定书缺少有效的 UUID。",
                               {"uuid": ["应为 UUID。"]})
    digest = content_hash(raw)
    stored = db.session.get(SimpleDecision, decision_uuid)
    if stored is not None:
        if stored.content_hash == digest and stored.submitted_by_id == user.id:
            return answer_of(index, stored, "duplicate")
        record_event("simple_decision.conflict", actor=user, object_type="simple_decision",
                     object_id=str(decision_uuid), details={"content_hash": digest})
        return {**rejected_answer(index, decision_uuid, "simple.conflict", None, {}), "result": "conflict"}
    try:
        data = _schema.load(raw)
    except ValidationError as error:
        raise Rejected("simple.invalid_record", "决定书内容有误，请按提示修改。",
                       translate_field_messages(error.messages)) from None
    checks.check_time(data, server_time)
    calc = checks.check_penalty(data)
    block = checks.check_number(user, data)
    officers = checks.check_officers(user, data)
    signatures = checks.check_signatures(data, officers)
    inspection = _finding_inspection(user, data, calc)
    originals = get_stores().originals
    for _signer, sha256, png in signatures:
        originals.put_bytes(sha256, png)
    types, amount = data["penalty"]["types"], data["penalty"]["amount"]
    fields = decision_fields(data, calc, officers)
    document = issue_document(user, DOC_TYPE, fields, reserved=(block.year, data["number"]["serial"]),
                              subject_type="inspection" if inspection else None,
                              subject_id=str(inspection.uuid) if inspection else None)
    disposition = _confirmed_disposition(user, inspection, data, calc, document.number) if inspection else None
    row = SimpleDecision(
        uuid=data["uuid"], block_id=block.id, year=block.year, serial=data["number"]["serial"],
        document_id=document.id, disposition_id=disposition.id if disposition else None,
        inspection_uuid=inspection.uuid if inspection else None,
        item_id=data["item_id"] if inspection else None, violation_code=data["violation"],
        benchmark=calc["benchmark"], facts=data["facts"], party_kind=data["party_kind"],
        party_name=data["party_name"], penalty_kind="fine" if "fine" in types else "warning",
        penalty_fen=amount * 100 if "fine" in types else None, officer_ids=[o.id for o in officers],
        signatures=[{"signer": s, "sha256": h} for s, h, _ in signatures], submitted_by_id=user.id,
        device_id=data["device_id"], decided_at=data["decided_at"], received_at=server_time,
        device_clock_offset_ms=offset, content_hash=digest)
    db.session.add(row)
    db.session.flush()
    record_event("simple_decision.created", actor=user, object_type="simple_decision",
                 object_id=str(row.uuid), details={**facts_of(row, FACTS),
                                                   "number": document.number,
                                                   "document_uuid": plain(document.uuid)})
    return answer_of(index, row, "created")


def _finding_inspection(user: User, data: dict, calc: dict) -> Inspection | None:
    if data["inspection_uuid"] is None:
        if data["item_id"] is not None:
            raise Rejected("simple.invalid_record", "检查项须与检查记录一同填写。", {"item_id": ["缺少检查记录。"]})
        return None
    inspection = db.session.get(Inspection, data["inspection_uuid"])
    if inspection is None:
        raise Rejected("simple.unknown_inspection", "决定书所依据的检查记录尚未同步到服务器，将在记录同步后重试。",
                       {"inspection_uuid": ["服务器上没有该检查记录。"]})
    if not is_participant(user, inspection):
        raise Rejected("simple.unknown_inspection", "只能对本人参加的检查作出当场处罚。",
                       {"inspection_uuid": ["您未参加该检查。"]})
    if data["item_id"] is None or finding_of(inspection, data["item_id"]) is None:
        raise Rejected("simple.not_a_finding", "所选检查项不是该检查的“不符合”项。", {"item_id": ["不是不符合项。"]})
    taken = db.session.execute(sa.select(Disposition.id).where(
        Disposition.inspection_uuid == inspection.uuid, Disposition.item_id == data["item_id"],
        Disposition.status != "rejected")).first()
    if taken is not None:
        raise Rejected("simple.finding_disposed", "该问题已有处置，不能再当场处罚。", {"item_id": ["已有处置。"]})
    return inspection


def _confirmed_disposition(user: User, inspection: Inspection, data: dict, calc: dict,
                           number: str) -> Disposition:
    """The finding's disposition: 简易程序, decided on the spot by the officers (confirmed)."""
    now = utcnow()
    fine = "fine" in data["penalty"]["types"]
    row = Disposition(inspection_uuid=inspection.uuid, item_id=data["item_id"],
                      violation_code=data["violation"], team_id=inspection.team_id, kind="simple",
                      status="confirmed", version=1, proposed_by_id=user.id, proposed_at=now,
                      decided_by_id=user.id, decided_at=now, note=f"当场处罚，决定书 {number}",
                      penalty_kind="fine" if fine else "warning",
                      penalty_fen=data["penalty"]["amount"] * 100 if fine else None)
    db.session.add(row)
    db.session.flush()
    record_event("disposition.decided", actor=user, object_type="disposition", object_id=row.id,
                 details=facts_of(row, DISPOSITION_FACTS))
    return row
