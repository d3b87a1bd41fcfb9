"""The phone's one task list (检查任务): my draw tasks and my team's follow-up inspections (复查)
after a correction order (责令改正, server/cases/), each with what the phone needs offline: the
kind, how to complete it, and the target's inspections within the revisit window (防止执法扰民),
so that the phone can ask for a reason without network. A follow-up is completed like a draw
task: by the inspection its officer synced for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..cases.facts import facts_of
from ..cases.models import FOLLOW_UP_DONE_FACTS, FollowUpTask
from ..clock import to_local, utcnow
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from ..targets import history
from ..targets.models import Target
from .tasks import tasks_of

FOLLOW_UP_ID = "follow-up-"
DONE_SHOWN_DAYS = 30


@dataclass
class FollowUpView:
    """A follow-up task as the phone lists it, in the shape of a draw task (TaskSchema)."""
    row: FollowUpTask
    earlier: Inspection
    target_id: int | None
    kind: str = "follow_up"
    plan_id: None = None
    inspection_uuid: None = None
    done_at: datetime | None = None
    published_at: None = None
    officer_names: list = field(default_factory=list)  # any officer of the team may take it
    recent_inspections: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{FOLLOW_UP_ID}{self.row.id}"

    @property
    def plan_title(self) -> str:
        return "责令改正复查"

    @property
    def form_id(self) -> str:
        return self.row.form_id

    @property
    def subject(self) -> dict:
        return {"kind": self.row.subject_kind, "name": self.row.subject_name,
                "code": self.row.subject_code, "description": None}

    @property
    def due_on(self) -> date:
        return self.row.due_on

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def completion_url(self) -> str:
        return f"/api/follow-up-tasks/{self.row.id}/completion"

    @property
    def earlier_inspection(self) -> dict:
        return {"uuid": str(self.earlier.uuid), "started_at": to_local(self.earlier.started_at).isoformat(),
                "item_id": self.row.item_id, "failed_checks": self.earlier.failed_checks}

    @property
    def suggested_revisit_reason(self) -> str:
        return f"责令改正后复查（原检查 {to_local(self.earlier.started_at):%Y-%m-%d}，整改期限 {self.row.due_on}）"


def _recent(target: Target | None) -> list[Inspection]:
    return history.recent_inspections(target, utcnow()) if target is not None else []


def follow_ups_of(user: User) -> list[FollowUpView]:
    """The follow-up inspections `user`'s team owes (none without a team), and those it did in
    the last DONE_SHOWN_DAYS (so that the phone shows them done, as it does draw tasks)."""
    if user.team_id is None:
        return []
    shown = sa.or_(FollowUpTask.status == "open", sa.and_(
        FollowUpTask.status == "done", FollowUpTask.done_at >= utcnow() - timedelta(days=DONE_SHOWN_DAYS)))
    rows = db.session.execute(sa.select(FollowUpTask).where(shown, FollowUpTask.team_id == user.team_id)
        .order_by(FollowUpTask.due_on, FollowUpTask.id)).scalars().all()
    views = []
    for row in rows:
        target = history.find_target(row.subject_code or row.subject_name)
        views.append(FollowUpView(row=row, earlier=db.session.get(Inspection, row.inspection_uuid),
                                  target_id=target.id if target else None, done_at=row.done_at,
                                  recent_inspections=_recent(target) if row.status == "open" else []))
    return views


def my_tasks(user: User) -> list:
    """The phone's list: my draw tasks (open ones with the target's recent inspections) and my
    team's follow-ups, by deadline."""
    draws = tasks_of(user)
    for task in draws:
        task.kind, task.completion_url = "draw", f"/api/tasks/{task.id}/completion"
        task.recent_inspections = _recent(db.session.get(Target, task.target_id)) if task.status == "open" else []
    return sorted([*draws, *follow_ups_of(user)], key=lambda t: (t.due_on, t.status != "open"))


def _root_of(uuid) -> object:
    return db.session.execute(sa.select(Inspection.root_uuid).where(Inspection.uuid == uuid)).scalar_one()


def complete_follow_up(user: User, row: FollowUpTask, inspection: Inspection) -> FollowUpTask:
    """An officer of the team reports the inspection they synced for the follow-up: the same form
    and subject, a later inspection than the one that found the problem, with them taking part."""
    if user.team_id is None or row.team_id != user.team_id:
        raise ApiError("task.not_found")
    if row.status != "open":
        raise ApiError("task.already_done")
    same_subject = (inspection.subject_code == row.subject_code if row.subject_code
                    else inspection.subject_name == row.subject_name)
    if (inspection.form_id != row.form_id or not same_subject or inspection.root_uuid == _root_of(row.inspection_uuid)
            or user.id not in {o.user_id for o in inspection.officers}):
        raise ApiError("task.wrong_inspection")
    row.status, row.done_inspection_uuid, row.done_at, row.done_by_id = "done", inspection.uuid, utcnow(), user.id
    db.session.flush()
    record_event("follow_up_task.completed", actor=user, object_type="follow_up_task", object_id=row.id,
                 details=facts_of(row, FOLLOW_UP_DONE_FACTS))
    return row

