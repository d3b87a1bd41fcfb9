"""The rows a synced record inserts, made while checking it (outside the writer's turn), and
their bulk write: Core inserts (executemany), one statement per table, the audit entries with
them. (The view `inspection_members` of migration 0026 wrote officers and evidence in one
statement, but its trigger cost SQLite three times the direct inserts' CPU per row: 0028 drops it.)"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from ..accounts.models import User
from ..audit.fast_canonical import canonical_bytes, canonical_text
from ..audit.service import record_events
from ..clock import utc_iso
from ..driver_insert import bind_ahead, insert_rows
from ..extensions import db
from . import checks
from .content import _EXACT_INT, normal_form
from .models import Evidence, Inspection, InspectionOfficer, count_failed_checks


@dataclass
class Rows:
    """The rows one new record inserts: made while checking, written in the writer's turn."""

    inspection: dict
    officers: list[dict]
    evidence: list[dict]
    event: dict
    target: dict | None = None  # the directory's target the record names (server/targets/)

    @classmethod
    def of(cls, user: User, data: dict, plan: checks.RecordPlan, content_hash: str,
           server_time: datetime, offset: int | None) -> Rows:
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
        event = dict(
            action="inspection.submitted", object_type="inspection", object_id=record_uuid,
            details={"form": f"{data['form_id']}@{data['form_version']}", "revision": revision,
                     "replaces": str(replaced.uuid) if replaced else None,
                     "content_hash": content_hash, "device_id": data["device_id"],
                     # Everything the row holds from the submission, so that it can be checked.
                     "record_sha256": hashlib.sha256(canonical_bytes(submitted_facts(
                         inspection, evidence, submitted_by=user.username,
                         team=user.team.code if user.team else None, officers=officer_rows))).hexdigest(),
                     "device_clock_offset_ms": offset,
                     "evidence": [{"uuid": str(e["uuid"]), "sha256": e["sha256"]} for e in plan.new_evidence]})
        target = None
        if plan.target_id is not None:
            target = dict(inspection_uuid=record_uuid, target_id=plan.target_id,
                          revisit_reason=data.get("revisit_reason"), recent_inspections=plan.recent)
            event["details"]["target"] = {"id": plan.target_id, "revisit_reason": target["revisit_reason"],
                                          "recent": plan.recent}
        # The entry's details as stored, written here rather than in the writer's turn.
        event["details_text"] = canonical_text(event["details"])
        return cls(inspection, officers, evidence, event, target)

    def bind_ahead(self, dialect) -> None:
        """Bind the rows now for SQLite's driver (server/driver_insert.py), outside the writer's
        turn, where their writes then only read the bound values; elsewhere nothing changes."""
        self.inspection = bind_ahead(Inspection.__table__, [self.inspection], dialect)[0]
        self.officers = bind_ahead(InspectionOfficer.__table__, self.officers, dialect)
        self.evidence = bind_ahead(Evidence.__table__, self.evidence, dialect)


def submitted_facts(inspection: dict, evidence: list[dict], *, submitted_by: str, team: str | None,
                    officers: list[dict]) -> dict:
    """content.record_facts(vouched.revision_view(inspection, ...), evidence), built from the
    values a sync makes (UUIDs, aware datetimes, plain JSON answers) without walking what is
    in its normal form already: only the answers, computed values and place go through
    normal_form. tests/test_record_content.py holds the two to the same result."""
    i = inspection
    replaces = i["replaces_uuid"]
    return {
        "uuid": str(i["uuid"]), "root_uuid": str(i["root_uuid"]), "revision": _number(i["revision"]),
        "replaces_uuid": None if replaces is None else str(replaces),
        "amendment_reason": i["amendment_reason"], "form_id": i["form_id"],
        "form_version": _number(i["form_version"]), "team": team, "submitted_by": submitted_by,
        "subject": normal_form({"kind": i["subject_kind"], "name": i["subject_name"],
                                "code": i["subject_code"], "description": i["subject_description"]}),
        "place": normal_form({"latitude": i["place_latitude"], "longitude": i["place_longitude"],
                              "accuracy_m": i["place_accuracy_m"], "address": i["place_address"]}),
        "started_at": _time(i["started_at"], "started_at"), "finished_at": _time(i["finished_at"], "finished_at"),
        "received_at": _time(i["received_at"], "received_at"),
        "device_clock_offset_ms": _number(i["device_clock_offset_ms"]), "device_id": i["device_id"],
        "app_version": i["app_version"], "answers": normal_form(i["answers"]),
        "computed": normal_form(i["computed"]), "failed_checks": _number(i["failed_checks"]),
        "evidence_expected": _number(i["evidence_expected"]), "content_hash": i["content_hash"],
        "officers": [{"username": o["username"], "certificate_number": o["certificate_number"]}
                     for o in officers],
        "evidence_uuids": [u if type(u) is str else str(u) for u in i["evidence_uuids"]],
        "evidence": [{"uuid": str(e["uuid"]), "item_id": e["item_id"], "sha256": e["sha256"],
                      "size": _number(e["size"]), "media_type": e["media_type"],
                      "captured_at": _time(e["captured_at"], "captured_at")} for e in evidence],
    }


def _number(value):
    return value if type(value) is int and -_EXACT_INT <= value <= _EXACT_INT else normal_form(value)


def _time(value, key: str):
    # content._utc_text's text, remembered for the row's SQLite binding (clock.utc_iso).
    return utc_iso(value) if type(value) is datetime else normal_form(value, key)


class Writes:
    """The rows a batch will insert, written in bulk at the end (one statement per table)."""

    def __init__(self, records_written: bool = False):
        self.inspections, self.officers, self.evidence, self.events = [], [], [], []
        self.targets = []
        self.records_written = records_written  # the inspection rows are in already

    def add(self, rows: Rows) -> None:
        if not self.records_written:
            self.inspections.append(rows.inspection)
        self.officers += rows.officers
        self.evidence += rows.evidence
        self.events.append(rows.event)
        if rows.target is not None:
            self.targets.append(rows.target)

    def flush(self, user: User, log_end: int | None = None) -> None:
        from ..targets.models import InspectionTarget  # the directory's link table

        # One INSERT per table (executemany; on SQLite through the driver, server/driver_insert.py):
        # the rows are plain values, no ORM objects are needed. Rows with a unique key go in
        # sorted by it, the same order in every transaction, so that two batches naming the same
        # records wait for each other, never deadlock.
        insert_rows(db.session, Inspection.__table__, sorted(self.inspections, key=by_uuid))
        insert_rows(db.session, InspectionOfficer.__table__, self.officers)
        insert_rows(db.session, Evidence.__table__, sorted(self.evidence, key=by_uuid))
        insert_rows(db.session, InspectionTarget.__table__, self.targets)
        record_events(self.events, actor=user, log_end=log_end)


def by_uuid(row: dict) -> int:
    """The sort key of a row with a unique UUID: its number, the order of uuid.UUID's own
    comparison, compared in C (UUID's __lt__ is Python: tens of calls per record)."""
    value = row["uuid"]
    return value.int if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).int
