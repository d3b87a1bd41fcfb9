"""Dispositions of findings: officers propose, the team's supervisor confirms or rejects; a
supervisor may also decide at once. Confirming 责令改正 leaves a follow-up task, confirming 立案
opens a case (立案审批). Every change is an audit entry naming the facts it set (vouched.py)."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import local_today, utcnow
from ..discretion.calculator import simple_procedure_allowed
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from ..review.service import is_participant
from . import case_flow, grounds
from .facts import facts_of
from .findings import finding_of
from .models import Disposition, FollowUpTask

# The columns an audit entry of a disposition commits to.
FACTS = ("inspection_uuid", "item_id", "violation_code", "team_id", "kind", "status", "version",
         "proposed_by_id", "decided_by_id", "note", "correction_due", "ground_code", "ground_text",
         "penalty_kind", "penalty_fen", "rejection_reason")
TASK_FACTS = ("disposition_id", "inspection_uuid", "team_id", "form_id", "subject_kind",
              "subject_name", "subject_code", "item_id", "due_on", "status")


def is_team_supervisor(user: User, team_id: int | None) -> bool:
    return user.has_role("supervisor") and team_id is not None and user.team_id == team_id


def propose_disposition(user: User, inspection: Inspection, item_id: str, data: dict) -> Disposition:
    """An officer of the inspection proposes a disposition; the team's supervisor decides it at once."""
    if inspection.status != "approved":
        raise ApiError("disposition.inspection_not_approved")
    finding = finding_of(inspection, item_id)
    if finding is None:
        raise ApiError("disposition.not_a_finding")
    supervisor = is_team_supervisor(user, inspection.team_id)
    if not supervisor and not (user.has_role("officer") and is_participant(user, inspection)):
        raise ApiError("disposition.forbidden")
    values = _kind_values(data, inspection)
    taken = db.session.execute(sa.select(Disposition.id).where(
        Disposition.inspection_uuid == inspection.uuid, Disposition.item_id == item_id,
        Disposition.status != "rejected")).first()
    if taken is not None:
        raise ApiError("disposition.exists", disposition_id=taken[0])
    now = utcnow()
    row = Disposition(inspection_uuid=inspection.uuid, item_id=item_id,
                      violation_code=finding["violation"]["code"], team_id=inspection.team_id,
                      status="confirmed" if supervisor else "proposed", version=1,
                      proposed_by_id=user.id, proposed_at=now, note=data.get("note"),
                      decided_by_id=user.id if supervisor else None,
                      decided_at=now if supervisor else None, **values)
    db.session.add(row)
    db.session.flush()
    _audit(user, row, "disposition.decided" if supervisor else "disposition.proposed")
    if supervisor:
        _carry_out(user, row, inspection, finding, data)
    return row


def _kind_values(data: dict, inspection: Inspection) -> dict:
    kind = data["kind"]
    values = {"kind": kind}
    if kind == "correction":
        due = data.get("correction_due")
        if due is None or due <= local_today():
            raise ApiError("disposition.invalid", errors={"correction_due": ["请填写今天以后的改正期限。"]})
        values["correction_due"] = due
    elif kind == "no_penalty":
        ground = grounds.get_ground(data.get("ground_code"))
        if ground is None:
            raise ApiError("disposition.unknown_ground", errors={"ground_code": ["请选择不予处罚的法定依据。"]})
        values.update(ground_code=ground["code"], ground_text=grounds.citation(ground))
    elif kind == "simple":
        penalty = data.get("penalty_kind")
        fine = data.get("penalty_fen")
        if penalty not in ("warning", "fine") or (penalty == "fine") != bool(fine):
            raise ApiError("disposition.invalid", errors={"penalty_fen": ["简易程序须写明警告或罚款金额。"]})
        party_kind = data.get("party_kind") or case_flow.party_kind_of(inspection)
        allowed = simple_procedure_allowed([penalty], fine // 100 if penalty == "fine" else None, party_kind)
        if not allowed["allowed"]:
            raise ApiError("disposition.simple_not_allowed", allowed["reason"])
        values.update(penalty_kind=penalty, penalty_fen=fine if penalty == "fine" else None)
    return values


def confirm_disposition(user: User, row: Disposition, expected_version: int, data: dict) -> Disposition:
    """The team's supervisor confirms an officers' proposal."""
    inspection = _decidable(user, row, expected_version)
    _update(row, status="confirmed", decided_by_id=user.id, decided_at=utcnow())
    _audit(user, row, "disposition.confirmed")
    _carry_out(user, row, inspection, finding_of(inspection, row.item_id), data)
    return row


def reject_disposition(user: User, row: Disposition, expected_version: int, reason: str) -> Disposition:
    """The supervisor rejects a proposal: the finding is again without a disposition."""
    _decidable(user, row, expected_version)
    _update(row, status="rejected", decided_by_id=user.id, decided_at=utcnow(),
            rejection_reason=reason)
    _audit(user, row, "disposition.rejected")
    return row


def _decidable(user: User, row: Disposition, expected_version: int) -> Inspection:
    if not is_team_supervisor(user, row.team_id):
        raise ApiError("disposition.forbidden")
    if row.version != expected_version:
        raise ApiError("disposition.stale", current_version=row.version, current_status=row.status)
    if row.status != "proposed":
        raise ApiError("disposition.invalid_transition", current_status=row.status)
    return db.session.get(Inspection, row.inspection_uuid)


def _update(row: Disposition, **values) -> None:
    # Conditional on the version read: a concurrent decision makes this one stale.
    changed = db.session.execute(
        sa.update(Disposition).where(Disposition.id == row.id, Disposition.version == row.version)
        .values(version=row.version + 1, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("disposition.stale")
    db.session.refresh(row)


def _carry_out(user: User, row: Disposition, inspection: Inspection, finding: dict, data: dict) -> None:
    if row.kind == "correction":
        task = FollowUpTask(disposition_id=row.id, inspection_uuid=inspection.uuid,
                            team_id=inspection.team_id, form_id=inspection.form_id,
                            subject_kind=inspection.subject_kind, subject_name=inspection.subject_name,
                            subject_code=inspection.subject_code, item_id=row.item_id,
                            due_on=row.correction_due, status="open", created_at=utcnow())
        db.session.add(task)
        db.session.flush()
        record_event("follow_up_task.created", actor=user, object_type="follow_up_task",
                     object_id=task.id, details=facts_of(task, TASK_FACTS))
    if row.kind in ("correction", "simple"):
        from .documents import issue_disposition_document

        issue_disposition_document(user, row, inspection, finding)  # 责令改正通知书 / 当场处罚决定书
    elif row.kind == "case":
        case_flow.open_case(user, row, inspection, finding, data.get("party_kind"))


def _audit(user: User, row: Disposition, action: str) -> None:
    record_event(action, actor=user, object_type="disposition", object_id=row.id,
                 details=facts_of(row, FACTS))


def open_follow_up_tasks(user: User) -> list[FollowUpTask]:
    """The open follow-up tasks of `user`'s team (all teams for an admin), soonest due first."""
    query = sa.select(FollowUpTask).where(FollowUpTask.status == "open")
    if not user.has_role("admin"):
        query = query.where(FollowUpTask.team_id == user.team_id, FollowUpTask.team_id.is_not(None))
    return list(db.session.execute(query.order_by(FollowUpTask.due_on, FollowUpTask.id)).scalars())
