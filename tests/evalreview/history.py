"""A known set of closed files for the 案卷评查 tests, stored as rows (the case flow itself is
tested in tests/cases/). Quarter 2026-Q3 (2026-07-01 … 2026-09-30, Asia/Shanghai):

  eligible (7)                              handled by           team  involved beside the handlers
  case:海盐交罚〔2026〕1号  closed 2026-07-20  officer1, officer2   A     supervisor1 (opened, decided)
  case:海盐交罚〔2026〕2号  closed 2026-09-30  officer1, officer2   A     supervisor1
  case:海盐交罚〔2026〕3号  closed 2026-08-10  officer3            B     supervisor1
  inspection i1 approved 2026-07-05         officer1, officer2   A     supervisor1 (approved)
  inspection i2 approved 2026-08-15         officer2, officer1   A     supervisor1
  inspection i3 approved 2026-09-01         officer3            B     supervisor1
  inspection i4 approved 2026-09-30 23:30 local (15:30 UTC)     officer1            A     supervisor1
  not eligible
  case 4 closed 2026-10-01 (Q4); case 5 served, not closed; inspection i5 approved 2026-06-30 (Q2);
  the inspections of cases 1–5 (approved in Q3, but they led to a case).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from server.accounts.models import User
from server.cases.case_models import Case
from server.cases.models import Disposition
from server.extensions import db
from server.review.models import ReviewAction
from testing.records import SHANGHAI
from tests.cases.conftest import approved_row

QUARTER = "2026-Q3"


def _approve(inspection, supervisor, moment: datetime) -> None:
    db.session.add(ReviewAction(inspection_uuid=inspection.uuid, root_uuid=inspection.root_uuid,
                                action="approve", actor_id=supervisor.id, acted_at=moment,
                                from_status="complete", to_status="approved", audit_seq=0))


def _local(day: date, hour: int = 15, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=hour, minutes=minute)


def _case(number: int, inspection, team_id, supervisor, closed_on: date | None) -> Case:
    decided = date(2026, 6, 20)
    disposition = Disposition(inspection_uuid=inspection.uuid, item_id="within_limit",
                              violation_code="overload.gross_mass", team_id=team_id, kind="case",
                              status="confirmed", proposed_by_id=inspection.submitted_by_id,
                              proposed_at=_local(date(2026, 6, 1)), decided_by_id=supervisor.id,
                              decided_at=_local(date(2026, 6, 1)))
    db.session.add(disposition)
    db.session.flush()
    case = Case(number=f"海盐交罚〔2026〕{number}号", disposition_id=disposition.id,
                inspection_uuid=inspection.uuid, item_id="within_limit",
                violation_code="overload.gross_mass", violation_title="车辆超限运输", team_id=team_id,
                party_name="赵某", party_kind="citizen", status="closed" if closed_on else "served",
                proposed_by_id=inspection.submitted_by_id, proposed_at=_local(date(2026, 6, 1)),
                opened_by_id=supervisor.id, opened_on=date(2026, 6, 2), notified_on=date(2026, 6, 10),
                proposed_fine_fen=100_000, hearing_eligible=False, decided_by_id=supervisor.id,
                decided_on=decided, fine_fen=100_000, party_present=True, served_on=decided,
                service_method="direct", paid_fen=100_000 if closed_on else 0, closed_on=closed_on)
    db.session.add(case)
    return case


def build_files() -> dict:
    """Store the files above; returns their ids by short name (c1…c3, i1…i4)."""
    users = {u.username: u for u in db.session.execute(db.select(User)).unique().scalars()}
    o1, o2, o3, sup = users["officer1"], users["officer2"], users["officer3"], users["supervisor1"]
    team_a, team_b = o1.team_id, o3.team_id

    def record(officers, team, started, approved_at, plate):
        inspection = approved_row(officers, team, "overload", 2, ["within_limit"], started, subject=plate)
        _approve(inspection, sup, approved_at)
        return inspection

    ids = {}
    for name, number, officers, team, closed_on in (
            ("c1", 1, (o1, o2), team_a, date(2026, 7, 20)), ("c2", 2, (o1, o2), team_a, date(2026, 9, 30)),
            ("c3", 3, (o3,), team_b, date(2026, 8, 10)), ("c4", 4, (o1, o2), team_a, date(2026, 10, 1)),
            ("c5", 5, (o1, o2), team_a, None)):
        inspection = record(officers, team, date(2026, 6, 1), _local(date(2026, 7, 2)), f"浙F1000{number}")
        _case(number, inspection, team, sup, closed_on)
        ids[name] = f"case:海盐交罚〔2026〕{number}号"
    for name, officers, team, approved_at in (
            ("i1", (o1, o2), team_a, _local(date(2026, 7, 5))), ("i2", (o2, o1), team_a, _local(date(2026, 8, 15))),
            ("i3", (o3,), team_b, _local(date(2026, 9, 1))), ("i4", (o1,), team_a, _local(date(2026, 9, 30), 23, 30)),
            ("i5", (o1, o2), team_a, _local(date(2026, 6, 30), 23, 59))):
        inspection = record(officers, team, approved_at.date() - timedelta(days=1), approved_at, f"浙F2{name}")
        ids[name] = f"inspection:{inspection.uuid}"
    db.session.commit()
    return ids


ELIGIBLE = ("c1", "c2", "c3", "i1", "i2", "i3", "i4")


def all_met(standard: dict) -> dict:
    """Every item of the checklist answered 符合."""
    return {i["id"]: {"result": "met", "note": None} for s in standard["sections"] for i in s["items"]}
