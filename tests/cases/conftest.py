"""Cases fixtures: approved inspections with findings, over HTTP (as the desk makes them) or as
rows (for histories with many records), and the audit check of every table the cases own."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import pytest

from server.audit.verify import VerifyReport
from server.audit.vouched import verify_vouched_rows
from server.cases.vouched import KINDS
from server.clock import utcnow
from server.extensions import db
from server.inspections.models import Inspection, InspectionOfficer
from testing.records import SHANGHAI, evidence_entry
from tests.review.conftest import cast, failing_overload_record, sync_and_upload  # noqa: F401


@pytest.fixture
def approved(cast, login_as):  # noqa: F811
    """Factory: an overload record 2,250 kg over the limit (its 不符合 check and photo), synced
    with its files and approved by supervisor1."""
    def make(officers=("officer1", "officer2"), plate="浙F12345") -> dict:
        record = sync_and_upload(login_as(officers[0]), overloaded_record(officers, plate))
        answer = login_as("supervisor1").post(f"/api/inspections/{record['uuid']}/review/approve",
                                              json={"expected_status": "complete"})
        assert answer.status_code == 200, answer.get_json()
        return record
    return make


def overloaded_record(officers=("officer1", "officer2"), plate="浙F12345") -> dict:
    """An overload record 2,250 kg over the 18,000 kg limit: 不符合, unloaded on the spot."""
    record = failing_overload_record(officers, plate=plate, measured_mass=20250)
    photo = evidence_entry("disposal_photos")
    record["answers"].update(disposal_method="unload", unloaded_mass=2300, reweighed_mass=17950,
                             vehicle_detained="no", disposal_photos=[photo["uuid"]])
    record["evidence"].append(photo)
    return record


def approved_row(users, team, form_id, version, fails, started_on, subject="浙F00001",
                 computed=None) -> Inspection:
    """An approved inspection stored directly (no audit entries): `fails` are the item ids
    answered 不符合; the record is otherwise empty (enough for findings and rates)."""
    started = datetime.combine(started_on, datetime.min.time(), SHANGHAI) + timedelta(hours=10)
    record_uuid = uuid.uuid4()
    inspection = Inspection(
        uuid=record_uuid, root_uuid=record_uuid, revision=1, status="approved", form_id=form_id,
        form_version=version, submitted_by_id=users[0].id, team_id=team, subject_kind="vehicle",
        subject_name=subject, started_at=started, finished_at=started + timedelta(minutes=20),
        answers={item: {"result": "fail", "note": "不符合"} for item in fails}, computed=computed or {},
        device_id="test", app_version="test", received_at=utcnow(),
        content_hash=hashlib.sha256(record_uuid.bytes).hexdigest(), evidence_uuids=[],
        evidence_expected=0, evidence_received=0, failed_checks=len(fails))
    db.session.add(inspection)
    for position, user in enumerate(users):
        db.session.add(InspectionOfficer(inspection_uuid=record_uuid, user_id=user.id,
                                         position=position, certificate_number=f"C{user.id}"))
    db.session.flush()
    return inspection


def approved_on(inspection: Inspection, supervisor, day) -> None:
    """A supervisor's approval of `inspection` on the local date `day` (a review_actions row)."""
    from server.review.models import ReviewAction

    db.session.add(ReviewAction(
        inspection_uuid=inspection.uuid, root_uuid=inspection.root_uuid, action="approve",
        actor_id=supervisor.id, acted_at=datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=15),
        from_status="complete", to_status="approved", audit_seq=0))
    db.session.flush()


def vouched_problems() -> list[str]:
    """What `audit verify` says about the cases' tables (dispositions … payments)."""
    report = VerifyReport()
    verify_vouched_rows(report, KINDS)
    return report.problems
