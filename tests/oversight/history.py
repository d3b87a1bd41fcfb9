"""A known history for the oversight tests (figures, exports, warnings, the dashboard): two teams,
five officers, six inspections over the two months before this one, training imported from an
XLSX sheet. Every record enters as it does in production (sync, the import endpoint), and
`EXPECTED` says what each figure must be, worked out by hand in the comments.

Months: M2 (two months ago) and M1 (last month), Asia/Shanghai. Team A (执法A中队): officer1,
officer2; team B (执法B中队): officer3, officer4 (certificate ends in 20 days), officer5
(certificate ended on M1's 10th). Inspections (officers; device; subject; within_limit):
  a1 M2-05 officer1+officer2  PWA   浙F00001 vehicle  pass
  a2 M2-10 officer1+officer2  desk  浙F00002 vehicle  fail
  a3 M1-05 officer1+officer2  PWA   浙F00002 vehicle  fail   (same subject as a2, < 30 days later)
  a4 M1-15 officer2+officer1  PWA   浙F00003 vehicle  pass   (submitted by officer2)
  b1 M1-10 officer3+officer4  desk  浙F00004 vehicle  fail
  b2 M1-20 officer3+officer4  PWA   海盐某物流公司 business pass
Training (finished): officer1 40 h on M1-03 and 12.5 h 700 days ago; officer2 60 h 400 days ago;
officer3 30 h on M2-08.
"""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

from openpyxl import Workbook

from server.accounts import service as accounts
from server.clock import local_today
from server.extensions import db
from testing import PASSWORD
from testing.cases import CaseWalk
from testing.records import SHANGHAI, evidence_entry, overload_record, sync_body


def months() -> tuple[date, date]:
    this = local_today().replace(day=1)
    m1 = (this - timedelta(days=1)).replace(day=1)
    m2 = (m1 - timedelta(days=1)).replace(day=1)
    return m2, m1


def key(month: date) -> str:
    return month.strftime("%Y-%m")


def make_cast() -> dict:
    """Teams A and B, five officers with old certificates, two supervisors, a reviewer, an admin."""
    today = local_today()
    m2, m1 = months()
    for code in ("A", "B"):
        accounts.create_team(code, f"执法{code}中队")
    old = today - timedelta(days=800)
    people = {
        "officer1": ("A", ("officer",), (old, today + timedelta(days=365))),
        "officer2": ("A", ("officer",), (old, today + timedelta(days=365))),
        "officer3": ("B", ("officer",), (old, today + timedelta(days=365))),
        "officer4": ("B", ("officer",), (old, today + timedelta(days=20))),
        "officer5": ("B", ("officer",), (old, m1 + timedelta(days=9))),
        "supervisor1": ("A", ("supervisor",), None),
        "supervisor2": ("B", ("supervisor",), None),
        "reviewer1": (None, ("legal_reviewer",), None),
        "admin": (None, ("admin",), None),
    }
    made = {}
    for username, (team, roles, cert) in people.items():
        made[username] = accounts.create_user(
            username, PASSWORD, display_name=username, roles=list(roles), team_code=team,
            certificate_number=f"330424{username}" if cert else None,
            certificate_valid_from=cert[0] if cert else None, certificate_valid_until=cert[1] if cert else None)
    db.session.commit()
    return made


def _record(officers, month: date, day: int, plate: str, *, handheld: bool, fail: bool, kind="vehicle"):
    started = datetime(month.year, month.month, day, 10, 0, tzinfo=SHANGHAI)
    record = overload_record(officers, started_at=started, plate=plate)
    if fail:  # as a supervisor sees it: the check failed, with its photo and note
        photo = evidence_entry("within_limit.photos")
        record["answers"]["within_limit"] = {"result": "fail", "note": "车货总质量超过限值。",
                                             "photos": [photo["uuid"]]}
        record["evidence"].append(photo)
    for entry in record["evidence"]:
        entry["captured_at"] = (started + timedelta(minutes=5)).isoformat()
    record["device_id"] = f"pwa-{uuid.uuid4()}" if handheld else "desk-import-1"
    if kind != "vehicle":
        record["subject"] = {"kind": kind, "name": plate, "code": None, "description": None}
    return record


def inspections() -> dict[str, tuple]:
    m2, m1 = months()
    return {
        "a1": (("officer1", "officer2"), m2, 5, "浙F00001", True, False, "vehicle"),
        "a2": (("officer1", "officer2"), m2, 10, "浙F00002", False, True, "vehicle"),
        "a3": (("officer1", "officer2"), m1, 5, "浙F00002", True, True, "vehicle"),
        "a4": (("officer2", "officer1"), m1, 15, "浙F00003", True, False, "vehicle"),
        "b1": (("officer3", "officer4"), m1, 10, "浙F00004", False, True, "vehicle"),
        "b2": (("officer3", "officer4"), m1, 20, "海盐某物流公司", True, False, "business"),
    }


def training_sheet() -> bytes:
    """The training sheet as the bureau keeps it (columns in its own order)."""
    today = local_today()
    m2, m1 = months()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["用户名", "课程名称", "主办单位", "学时", "开始日期", "结束日期", "结业证书编号"])
    sheet.append(["officer1", "行政处罚法专题", "嘉兴市交通运输局", 40, m1, m1 + timedelta(days=2), "JX-2026-001"])
    sheet.append(["officer1", "执法文书规范", "海盐县交通运输局", 12.5, today - timedelta(days=701),
                  today - timedelta(days=700), None])
    sheet.append(["officer2", "三年轮训（第一期）", "浙江省交通运输厅", 60, today - timedelta(days=405),
                  today - timedelta(days=400), "ZJ-2025-118"])
    sheet.append(["officer3", "超限运输治理", "嘉兴市交通运输局", "30", (m2 + timedelta(days=5)).isoformat(),
                  (m2 + timedelta(days=7)).isoformat(), None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_history(app, complete: tuple[str, ...] = ()) -> dict:
    """The cast, the six inspections (synced by their first officer; those named in `complete`
    with their files uploaded) and the imported training; returns each account's id and team
    id, and each inspection's UUID, by name."""
    from tests.review.conftest import sync_and_upload

    cast = make_cast()
    clients, uuids = {}, {}
    for name, (officers, month, day, subject, handheld, fail, kind) in inspections().items():
        client = clients.get(officers[0])
        if client is None:
            client = clients[officers[0]] = app.test_client()
            client.login(officers[0])
        record = _record(officers, month, day, subject, handheld=handheld, fail=fail, kind=kind)
        if name in complete:
            sync_and_upload(client, record)
        else:
            answer = client.post("/api/sync", json=sync_body(record)).get_json()
            assert answer["results"][0]["result"] == "created", answer
        uuids[name] = record["uuid"]
    admin = app.test_client()
    admin.login("admin")
    imported = admin.post("/api/training/import", data=training_sheet(), content_type=XLSX)
    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json()["imported"] == 4
    ids = {name: user.id for name, user in cast.items()}
    teams = {name: user.team_id for name, user in cast.items()}
    db.session.remove()
    return {"ids": ids, "teams": teams, "uuids": uuids}


def expected(group_by: str) -> dict:
    """Each figure's rows, by hand (see the module's comment)."""
    m2, m1 = months()
    k2, k1 = key(m2), key(m1)
    if group_by == "month":
        return {
            # M2: a1 (PWA), a2 (desk); M1: a3, a4, b2 (PWA), b1 (desk)
            "handheld_rate": [[k2, 1, 2, 50.0], [k1, 3, 4, 75.0]],
            # five officers; officer5's certificate ended on M1-10: valid at M2's end, not at M1's
            "certificate_rate": [[k2, 5, 5, 100.0], [k1, 4, 5, 80.0]],
            # done: M2 officer3 30; M1 officer1 40. Rolling: M2 end 12.5+60+30, M1 end +40; only officer2 >= 60
            "training_hours": [[k2, 30.0, 102.5, 5, 1, 20.0], [k1, 40.0, 142.5, 5, 1, 20.0]],
            "inspections_by_subject": [[k2, "车辆", 2], [k1, "车辆", 3], [k1, "企业", 1]],
        }
    if group_by == "team":
        return {
            "handheld_rate": [["执法A中队", 3, 4, 75.0], ["执法B中队", 1, 2, 50.0]],
            "certificate_rate": [["执法A中队", 2, 2, 100.0], ["执法B中队", 2, 3, 66.7]],
            "training_hours": [["执法A中队", 40.0, 112.5, 2, 1, 50.0], ["执法B中队", 30.0, 30.0, 3, 0, 0.0]],
            "inspections_by_subject": [["执法A中队", "车辆", 4], ["执法B中队", "企业", 1], ["执法B中队", "车辆", 1]],
        }
    return {  # officer: an inspection counts for each officer in it
        "handheld_rate": [["officer1", 3, 4, 75.0], ["officer2", 3, 4, 75.0], ["officer3", 1, 2, 50.0],
                          ["officer4", 1, 2, 50.0]],
        "certificate_rate": [["officer1", 1, 1, 100.0], ["officer2", 1, 1, 100.0], ["officer3", 1, 1, 100.0],
                             ["officer4", 1, 1, 100.0], ["officer5", 0, 1, 0.0]],
        "training_hours": [["officer1", 40.0, 52.5, 1, 0, 0.0], ["officer2", 0.0, 60.0, 1, 1, 100.0],
                           ["officer3", 30.0, 30.0, 1, 0, 0.0], ["officer4", 0.0, 0.0, 1, 0, 0.0],
                           ["officer5", 0.0, 0.0, 1, 0, 0.0]],
        "inspections_by_subject": [["officer1", "车辆", 4], ["officer2", "车辆", 4], ["officer3", "企业", 1],
                                   ["officer3", "车辆", 1], ["officer4", "企业", 1], ["officer4", "车辆", 1]],
    }


CASE_RECORDS = ("a2", "a3", "b1")


def build_case_history(app) -> dict:
    """The history with its three inspections with findings (a2, a3, b1) complete and approved
    by their team's supervisor, and each finding disposed of over the API:
      a2 (M2, team A): 不予处罚 (first minor offence): a disposition, not an action;
      a3 (M1, team A): 立案 on M1-06 (case CA), a warning decided and served, 结案 on M1-08;
      b1 (M1, team B): 立案 on M1-11 (case CB), 1,500 yuan decided and served on M1-13, not
                       paid: the 15-day payment period ended on M1-28 (overdue today).
    Returns the history with the two cases' ids."""
    history = build_history(app, complete=CASE_RECORDS)
    m2, m1 = months()
    clients = {}

    def client(name):
        if name not in clients:
            clients[name] = app.test_client()
            clients[name].login(name)
        return clients[name]

    def post(who, path, body, status=200):
        answer = client(who).post(path, json=body)
        assert answer.status_code == status, (path, answer.get_json())
        return answer.get_json()

    for name, supervisor in (("a2", "supervisor1"), ("a3", "supervisor1"), ("b1", "supervisor2")):
        post(supervisor, f"/api/inspections/{history['uuids'][name]}/review/approve", {"expected_status": "complete"})

    def finding(name):
        return f"/api/inspections/{history['uuids'][name]}/findings/within_limit/disposition"

    post("supervisor1", finding("a2"), {"kind": "no_penalty", "ground_code": "first_offence"}, 201)
    proposal = post("officer1", finding("a3"), {"kind": "case"}, 201)
    post("supervisor1", f"/api/dispositions/{proposal['id']}/confirm", {"expected_version": 1})
    post("supervisor2", finding("b1"), {"kind": "case"}, 201)
    cases = {c["party_name"]: c for c in client("admin").get("/api/cases").get_json()}
    ids = {}
    for name, supervisor, officer, opened, fine, excess in (
            ("a3", "supervisor1", "officer1", 6, 0, 500), ("b1", "supervisor2", "officer3", 11, 150_000, 3500)):
        case = cases[inspections()[name][3]]
        ids[name] = case["id"]
        day = m1 + timedelta(days=opened - 1)
        walk = CaseWalk.over_http(case)
        walk.steps([
            (client(supervisor), "approve_opening", {"on": day}),
            (client(officer), "notify", {"on": day + timedelta(days=1), "proposed_fine_fen": fine,
                                         "circumstances": {"excess_mass": excess}}),
            (client(officer), "record_statement", {"on": day + timedelta(days=1)}),
            (client(supervisor), "decide", {"on": day + timedelta(days=2), "fine_fen": fine}),
            (client(officer), "serve", {"on": day + timedelta(days=2)}),
        ])
        if fine == 0:
            walk.step(client(supervisor), "close", on=day + timedelta(days=2))
    db.session.remove()
    return {**history, "cases": ids}
