"""Sync: take a batch of records from a phone and answer per record, exactly once each.

Each record is `created`, a `duplicate` (same UUID, same content: the original answer is
replayed), a `conflict` (same UUID, other content: nothing changes, the attempt is audited) or
`rejected` (per-item errors in zh-CN). Records are written in savepoints of the request's single
transaction: one bad record does not fail the batch, and the answer leaves only after the commit.
"""
from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError

from ..accounts.models import User
from ..audit.fast_canonical import canonical_bytes
from ..audit.service import record_event, record_events
from ..clock import utcnow
from ..database import serialize_on, start_writing
from ..errors import per_record, translate_field_messages
from ..extensions import db
from . import checks
from .content import record_facts
from .models import Evidence, Inspection, InspectionOfficer, count_failed_checks
from .record_loader import compile_loader
from .rejection import Rejected, rejected_answer
from .schemas import RecordSchema
from .vouched import revision_view

_record_schema = RecordSchema()
# The schema's load compiled for valid records; anything else goes through the schema itself.
_load_valid_record = compile_loader(_record_schema)


def record_content_hash(raw: dict) -> str:
    """SHA-256 of the record as sent (canonical JSON): what `duplicate` and `conflict` compare."""
    return hashlib.sha256(canonical_bytes(raw)).hexdigest()


def clock_offset_ms(device_time: datetime | None, server_time: datetime) -> int | None:
    """Device clock minus server clock, in milliseconds (positive: the phone is ahead)."""
    if device_time is None:
        return None
    return round((device_time - server_time).total_seconds() * 1000)


@dataclass
class _Checked:
    """One record of a batch after the checks that need no writer's turn."""

    index: int
    raw: object
    uuid: uuidlib.UUID | None
    content_hash: str | None = None
    data: dict | None = None
    plan: checks.RecordPlan | None = None
    rows: _Rows | None = None  # what it will insert, made outside the writer's turn
    rejection: dict | None = None


def sync_batch(user: User, records: list, device_time: datetime | None) -> dict:
    """Process a batch from `user`'s device; returns the answer for each record, in order.

    The records are checked first (schema, form rules, officers: the costly part) in a read
    transaction, so that batches from several phones are checked at once. Then, in the writer's
    turn (server/database.py), what may have changed meanwhile is checked again and the batch is
    written in bulk. Should the database still refuse the bulk write, each record is retried alone
    in a savepoint, so that one record can never fail the others.
    """
    server_time = utcnow()
    offset = clock_offset_ms(device_time, server_time)
    uuids = [_peek_uuid(raw) for raw in records]
    lookups = checks.BatchLookups(user, [r for r in records if isinstance(r, dict)],
                                  {u for u in uuids if u is not None})
    checked = _check_records(user, records, uuids, server_time, offset, lookups)
    # End the checks' read transaction, keeping what it loaded (users, the revision an amendment
    # replaces) usable in the writer's turn; what may have changed meanwhile is re-read there on
    # purpose (`_store`, `checks.recheck`).
    start_writing()
    # Two servers syncing one record at once: the second waits here for the first's commit, then
    # reads it as stored and answers a duplicate (server/database.py, the concurrency rule).
    serialize_on("inspection", *{u for u in uuids if u is not None})
    try:
        with db.session.begin_nested():
            results = _store(user, checked, server_time, offset, lookups)
    except sa.exc.IntegrityError:
        current_app.logger.warning("sync: bulk write refused, retrying the batch record by record")
        lookups.forget_unsaved()
        results = []
        for one in checked:
            try:
                with db.session.begin_nested():
                    results += _store(user, [one], server_time, offset, lookups)
            except sa.exc.IntegrityError:
                results.append(rejected_answer(one.index, one.uuid, "sync.storage_refused",
                                         "服务器拒绝保存该记录（数据冲突），请联系管理员。", {}))
    return {"server_time": server_time, "device_clock_offset_ms": offset, "results": results}


def _check_records(user: User, records: list, uuids: list, server_time: datetime, offset: int | None,
                   lookups: checks.BatchLookups) -> list[_Checked]:
    known = set(lookups.stored_records)
    checked = []
    for index, (raw, record_uuid) in enumerate(zip(records, uuids, strict=True)):
        one = _Checked(index, raw, record_uuid)
        checked.append(one)
        if record_uuid is None:
            one.rejection = rejected_answer(index, None, "sync.invalid_uuid", "记录缺少有效的 UUID，无法保存。",
                                      {"uuid": ["应为 UUID。"]})
            continue
        one.content_hash = record_content_hash(raw)
        if record_uuid in known:  # stored already, or sent twice: answered when storing
            continue
        known.add(record_uuid)
        try:
            one.data = _load_valid_record(raw)
            if one.data is None:
                one.data = _record_schema.load(raw)  # raises with every problem, or agrees
            one.plan = checks.check_record(user, one.data, server_time, lookups)
        except ValidationError as error:
            one.rejection = rejected_answer(index, record_uuid, "sync.invalid_record", "记录内容有误，请按提示修改。",
                                      translate_field_messages(error.messages))
        except Rejected as rejected:
            one.rejection = rejected.answer(index, record_uuid)
        else:
            lookups.stored_evidence.update(str(e["uuid"]) for e in one.plan.new_evidence)
            one.rows = _Rows.of(user, one.data, one.plan, one.content_hash, server_time, offset)
    return checked


def _store(user: User, checked: list[_Checked], server_time: datetime, offset: int | None,
           lookups: checks.BatchLookups) -> list[dict]:
    """In the writer's turn: answer resends from what is stored now, check again what may have
    changed since the records were checked, and write the rest in bulk."""
    wanted = {one.uuid for one in checked if one.uuid is not None}
    # Which are stored now, records and evidence in one query; whole rows only for resends.
    found, taken = checks.stored_uuids(wanted, [e["uuid"] for one in checked if one.plan
                                                for e in one.plan.new_evidence])
    stored = {i.uuid: i for i in db.session.execute(
        sa.select(Inspection).where(Inspection.uuid.in_(found))
        .execution_options(populate_existing=True)).scalars()} if found else {}
    batch: dict[uuidlib.UUID, tuple[str, dict]] = {}  # records created by this batch
    batch_targets: dict[int, list[datetime]] = {}  # target id -> start times named in this batch
    results, writes = [], _Writes()
    for one in checked:
        if one.uuid is None:
            results.append(one.rejection)
        elif one.uuid in stored:
            results.append(_answer_existing(user, one.index, stored[one.uuid], one.content_hash))
        elif one.uuid in batch:  # sent twice in one batch
            first_hash, first_answer = batch[one.uuid]
            results.append({**first_answer, "index": one.index, "result": "duplicate"}
                           if first_hash == one.content_hash else _conflict(one.index, one.uuid))
        elif one.rejection is not None:
            results.append(one.rejection)
        else:
            try:
                checks.recheck(one.plan, taken, batch_targets)
            except Rejected as rejected:
                results.append(rejected.answer(one.index, one.uuid))
                continue
            if one.plan.target_id is not None:
                batch_targets.setdefault(one.plan.target_id, []).append(one.plan.started_at)
            lookups.publish(one.plan.form)
            writes.add(one.rows)
            answer = _created(one, server_time)
            batch[one.uuid] = (one.content_hash, answer)
            results.append(answer)
    writes.flush(user)
    return results


def _created(one: _Checked, server_time: datetime) -> dict:
    plan = one.plan
    return {"index": one.index, "uuid": str(one.uuid), "result": "created",
            "status": "incomplete" if plan.new_evidence else "complete",
            "received_at": server_time, "revision": plan.replaces.revision + 1 if plan.replaces else 1,
            "missing_evidence": [str(e["uuid"]) for e in plan.new_evidence]}


def _peek_uuid(raw) -> uuidlib.UUID | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("uuid"), str):
        return None
    try:
        return uuidlib.UUID(raw["uuid"])
    except ValueError:
        return None


def describe(index: int, inspection: Inspection, result: str) -> dict:
    return {"index": index, "uuid": str(inspection.uuid), "result": result,
            "status": inspection.status, "received_at": inspection.received_at,
            "revision": inspection.revision,
            "missing_evidence": [str(u) for u in inspection.missing_evidence]}


def _answer_existing(user: User, index: int, existing: Inspection, content_hash: str) -> dict:
    if existing.content_hash == content_hash and existing.submitted_by_id == user.id:
        return describe(index, existing, "duplicate")
    record_event("inspection.sync_conflict", actor=user, object_type="inspection",
                 object_id=existing.uuid,
                 details={"stored_hash": existing.content_hash, "sent_hash": content_hash})
    return _conflict(index, existing.uuid)


def _conflict(index: int, record_uuid) -> dict:
    return {"index": index, "uuid": str(record_uuid), "result": "conflict", **per_record("sync.conflict")}


@dataclass
class _Rows:
    """The rows one new record inserts: made while checking, written in the writer's turn."""

    inspection: dict
    officers: list[dict]
    evidence: list[dict]
    event: dict
    target: dict | None = None  # the directory's target the record names (server/targets/)

    @classmethod
    def of(cls, user: User, data: dict, plan: checks.RecordPlan, content_hash: str,
           server_time: datetime, offset: int | None) -> _Rows:
        subject, place, replaced = data["subject"], data["place"], plan.replaces
        record_uuid = data["uuid"]
        revision = replaced.revision + 1 if replaced else 1
        inspection = dict(
            uuid=record_uuid,
            root_uuid=replaced.root_uuid if replaced else record_uuid,
            revision=revision,
            replaces_uuid=replaced.uuid if replaced else None,
            amendment_reason=data.get("amendment_reason"),
            status="incomplete" if plan.new_evidence else "complete",
            form_id=data["form_id"], form_version=data["form_version"],
            submitted_by_id=user.id, team_id=user.team_id,
            subject_kind=subject["kind"], subject_name=subject["name"],
            subject_code=subject.get("code"), subject_description=subject.get("description"),
            place_latitude=place.get("latitude"), place_longitude=place.get("longitude"),
            place_accuracy_m=place.get("accuracy_m"), place_address=place.get("address"),
            started_at=data["started_at"], finished_at=data["finished_at"],
            answers=data["answers"], computed=plan.computed,
            failed_checks=count_failed_checks(data["answers"]),
            device_id=data["device_id"], app_version=data["app_version"],
            received_at=server_time, device_clock_offset_ms=offset, content_hash=content_hash,
            evidence_uuids=[str(e["uuid"]) for e in data["evidence"]],
            evidence_expected=len(plan.new_evidence), evidence_received=0,
            legal_review_requested_at=None)
        officers = [dict(inspection_uuid=record_uuid, user_id=officer.id, position=position,
                         certificate_number=officer.certificate_number)
                    for position, officer in enumerate(plan.officers)]
        evidence = [dict(uuid=e["uuid"], inspection_uuid=record_uuid, position=position,
                         item_id=e["item_id"], sha256=e["sha256"], size=e["size"],
                         media_type=e["media_type"], captured_at=e["captured_at"], received_at=None)
                    for position, e in enumerate(plan.new_evidence)]
        officer_rows = [{"username": o.username, "certificate_number": o.certificate_number}
                        for o in plan.officers]
        view = revision_view(inspection, submitted_by=user.username,
                             team=user.team.code if user.team else None, officers=officer_rows)
        event = dict(
            action="inspection.submitted", object_type="inspection", object_id=record_uuid,
            details={"form": f"{data['form_id']}@{data['form_version']}", "revision": revision,
                     "replaces": str(replaced.uuid) if replaced else None,
                     "content_hash": content_hash, "device_id": data["device_id"],
                     # Everything the row holds from the submission, so that it can be checked.
                     "record_sha256": hashlib.sha256(canonical_bytes(record_facts(view, evidence))).hexdigest(),
                     "device_clock_offset_ms": offset,
                     "evidence": [{"uuid": str(e["uuid"]), "sha256": e["sha256"]} for e in plan.new_evidence]})
        target = None
        if plan.target_id is not None:
            target = dict(inspection_uuid=record_uuid, target_id=plan.target_id,
                          revisit_reason=data.get("revisit_reason"), recent_inspections=plan.recent)
            event["details"]["target"] = {"id": plan.target_id, "revisit_reason": target["revisit_reason"],
                                          "recent": plan.recent}
        return cls(inspection, officers, evidence, event, target)


class _Writes:
    """The rows a batch will insert, written in bulk at the end (one statement per table)."""

    def __init__(self):
        self.inspections, self.officers, self.evidence, self.events = [], [], [], []
        self.targets = []

    def add(self, rows: _Rows) -> None:
        self.inspections.append(rows.inspection)
        self.officers += rows.officers
        self.evidence += rows.evidence
        self.events.append(rows.event)
        if rows.target is not None:
            self.targets.append(rows.target)

    def flush(self, user: User) -> None:
        from ..targets.models import InspectionTarget  # the directory's link table

        # Core inserts (executemany): the rows are plain values, no ORM objects are needed.
        for model, rows in ((Inspection, self.inspections), (InspectionOfficer, self.officers),
                            (Evidence, self.evidence), (InspectionTarget, self.targets)):
            if rows:
                db.session.execute(model.__table__.insert(), rows)
        record_events(self.events, actor=user)


def sync_status(user: User, *, since: datetime | None, uuids: list | None,
                device_id: str | None, limit: int = 1000) -> list[Inspection]:
    """What the server holds of `user`'s submissions: by UUID, or received since a time."""
    query = sa.select(Inspection).where(Inspection.submitted_by_id == user.id)
    if uuids:
        query = query.where(Inspection.uuid.in_(uuids))
    if since is not None:
        query = query.where(Inspection.received_at >= since)
    if device_id:
        query = query.where(Inspection.device_id == device_id)
    return list(db.session.execute(query.order_by(Inspection.received_at).limit(limit)).scalars())


def max_batch_records() -> int:
    return current_app.config["SYNC_MAX_RECORDS"]
