"""A quarter's review over the API: the admin commits to the closed files of the quarter and draws
with a witness value (the bureau's rule: 50 %, at least 2); a legal reviewer and a supervisor of
another team score sampled files; the supervisor involved in every file is refused (回避); a
correction supersedes; results per officer and team are exact and export; problems are tracked
until fixed; the log vouches for every row and the rows cannot be rewritten."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.audit.verify import VerifyReport
from server.audit.vouched import verify_vouched_rows
from server.draws import algorithm as alg
from server.draws.sealing import sample_subject, seed_key, unseal_seed
from server.evalreview.models import ReviewSample
from server.evalreview.standard import load_standard
from server.evalreview.vouched import PROBLEMS, SAMPLES, SCORES
from server.extensions import db
from server.verify_review_sample import verify_sample
from tests.evalreview.history import ELIGIBLE, QUARTER, all_met


def answers_with(**changes) -> dict:
    answers = all_met(load_standard())
    for item, result in changes.items():
        answers[item] = {"result": result, "note": f"{item} 存在问题" if result == "not_met" else None}
    return answers


def test_the_quarter_sample_is_drawn_from_its_closed_files_and_verifies(drawn, login_as):
    sample, ids = drawn
    assert sample["eligible"] == len(ELIGIBLE)
    admin = login_as("admin")
    document = admin.get(f"/api/evalreview/samples/{sample['id']}/sample.json").get_json()
    assert sorted(f["id"] for f in document["inputs"]["files"]) == sorted(ids[n] for n in ELIGIBLE)
    assert document["inputs"]["rules"] == {"share": "0.5", "minimum": 2}
    # ⌈0.5 × 7⌉ = 4 files, the re-run's four
    assert len(document["draw"]["result"]) == 4 == len(sample["files"])
    assert verify_sample(document, sample["commitment_digest"]).ok
    files = {f["id"]: f for f in document["inputs"]["files"]}
    assert files[ids["c3"]]["officers"] == ["officer3"] and files[ids["c3"]]["team"] == "执法B中队"
    assert files[ids["i4"]]["closed_on"] == "2026-09-30" and "supervisor1" in files[ids["i1"]]["involved"]
    # once a quarter, and never drawn twice
    again = admin.post("/api/evalreview/samples", json={"quarter": QUARTER})
    assert again.status_code == 409 and again.get_json()["code"] == "evalreview.sample_exists"
    redraw = admin.post(f"/api/evalreview/samples/{sample['id']}/draw", json={"witness_value": "x"})
    assert redraw.status_code == 409 and redraw.get_json()["code"] == "evalreview.already_drawn"
    empty = admin.post("/api/evalreview/samples", json={"quarter": "2025-Q1"})
    assert empty.status_code == 409 and empty.get_json()["code"] == "evalreview.no_files"
    assert login_as("officer1").post("/api/evalreview/samples", json={"quarter": "2026-Q4"}).status_code == 403


def test_before_the_draw_the_seed_stays_secret(files, login_as):
    admin = login_as("admin")
    committed = admin.post("/api/evalreview/samples", json={"quarter": QUARTER}).get_json()
    document = admin.get(f"/api/evalreview/samples/{committed['id']}/sample.json").get_json()
    stored = db.session.get(ReviewSample, committed["id"]).seed
    assert stored.startswith("sealed:v1:")  # sealed in the database (draws/sealing.py)
    secret = unseal_seed(stored, sample_subject(QUARTER), committed["seed_sha256"], seed_key())
    assert secret not in stored
    assert document["draw"] is None and "seed" not in committed
    assert secret not in json.dumps(document) and secret not in json.dumps(committed)
    assert document["commitment"]["seed_sha256"] == alg.seed_commitment(secret)
    assert committed["files"] == [] and verify_sample(document, committed["commitment_digest"]).ok


def test_reviewers_score_corrections_supersede_and_results_are_exact(drawn, login_as):
    sample, ids = drawn
    base = f"/api/evalreview/samples/{sample['id']}"
    reviewer, supervisor, other = login_as("reviewer1"), login_as("supervisor1"), login_as("supervisor2")
    sampled = [f["id"] for f in sample["files"]]
    team_a = [f for f in sample["files"] if f["team"] == "执法A中队"]
    assert len(team_a) >= 2, sampled  # the witness value above draws two of team A's files at least
    first, second = team_a[0]["id"], team_a[1]["id"]

    # supervisor1 approved or decided every file: 回避 (403 problem+json), nothing stored
    own = supervisor.post(f"{base}/scores", json={"file_id": first, "answers": answers_with()})
    assert own.status_code == 403 and own.get_json()["code"] == "evalreview.own_file"
    assert own.headers["Content-Type"].startswith("application/problem+json")
    assert login_as("officer1").post(f"{base}/scores", json={"file_id": first,
                                                            "answers": answers_with()}).status_code == 403
    unsampled = next(ids[n] for n in ELIGIBLE if ids[n] not in sampled)
    assert reviewer.post(f"{base}/scores", json={"file_id": unsampled, "answers": answers_with()}
                         ).get_json()["code"] == "evalreview.file_not_sampled"

    # 94.7 (优秀) and 90.0 (不合格, a 否决项)
    one = reviewer.post(f"{base}/scores", json={"file_id": first, "answers": answers_with(
        evidence_complete="not_met", procedure_opening="na")})
    assert one.status_code == 201, one.get_json()
    assert (one.get_json()["score"], one.get_json()["grade"]) == ("94.7", "优秀")
    two = other.post(f"{base}/scores", json={"file_id": second, "answers": answers_with(facts_clear="not_met")})
    assert (two.get_json()["score"], two.get_json()["grade"], two.get_json()["vetoed"]) == ("90.0", "不合格", True)
    twice = reviewer.post(f"{base}/scores", json={"file_id": first, "answers": answers_with()})
    assert twice.status_code == 409 and twice.get_json()["code"] == "evalreview.stale_score"

    problems = reviewer.get("/api/evalreview/problems?state=open").get_json()
    assert sorted((p["file_id"], p["item"]) for p in problems) == sorted(
        [(first, "evidence_complete"), (second, "facts_clear")])
    assert all(p["age_days"] == 0 and p["state_label"] == "待整改" for p in problems)

    # results: officer1 and officer2 handled both team A files (in history.py's table, i4 is
    # officer1's alone); average of 94.7 and 90.0 = 92.35 → 92.4
    table = reviewer.get(f"{base}/results?group_by=team").get_json()
    row = next(r for r in table["rows"] if r["group"] == "执法A中队")
    assert (row["files"], row["average"], row["failed"], row["evidence"], row["facts"]) == (2, 92.4, 1, 1, 1)
    by_officer = {r["group"]: r for r in reviewer.get(f"{base}/results?group_by=officer").get_json()["rows"]}
    handled = {f["id"]: f["officers"] for f in sample["files"]}
    for officer in set(handled[first]) & set(handled[second]):
        assert (by_officer[officer]["files"], by_officer[officer]["average"]) == (2, 92.4)

    # a correction: the file's current score is superseded; the problem it no longer finds is withdrawn
    no_reason = reviewer.post(f"{base}/scores", json={"file_id": first, "answers": answers_with(),
                                                      "supersedes": one.get_json()["id"]})
    assert no_reason.get_json()["code"] == "evalreview.reason_required"
    fixed_score = reviewer.post(f"{base}/scores", json={
        "file_id": first, "answers": answers_with(procedure_opening="na"),
        "supersedes": one.get_json()["id"], "reason": "补充了现场照片的原始文件"})
    assert fixed_score.status_code == 201 and fixed_score.get_json()["score"] == "100.0"
    shown = {f["id"]: f for f in reviewer.get(base).get_json()["files"]}
    assert shown[first]["score"]["id"] == fixed_score.get_json()["id"]
    assert shown[first]["may_score"] and not login_as("supervisor1").get(base).get_json()["files"][0]["may_score"]
    row = next(r for r in reviewer.get(f"{base}/results?group_by=team").get_json()["rows"]
               if r["group"] == "执法A中队")
    assert (row["average"], row["evidence"]) == (95.0, 0)
    states = {p["item"]: p["state"] for p in reviewer.get("/api/evalreview/problems").get_json()}
    assert states == {"evidence_complete": "withdrawn", "facts_clear": "open"}

    # the problem is fixed by a supervisor: who and when, and it stays fixed
    problem = next(p for p in problems if p["item"] == "facts_clear")
    assert reviewer.post(f"/api/evalreview/problems/{problem['id']}/fix", json={"note": "x"}).status_code == 403
    done = login_as("admin").post(f"/api/evalreview/problems/{problem['id']}/fix",
                                  json={"note": "已补充当事人身份核实材料"})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["state"], done.get_json()["closed_by"]) == ("fixed", "admin")
    assert login_as("admin").post(f"/api/evalreview/problems/{problem['id']}/fix", json={"note": "y"}
                                  ).get_json()["code"] == "evalreview.problem_not_open"

    # supervisor2 sees team B's results only; the export holds the table as shown
    assert all(r["group"] != "执法A中队" for r in other.get(f"{base}/results?group_by=team").get_json()["rows"])
    exported = reviewer.get(f"{base}/results/export?group_by=team&format=csv")
    lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert lines[0][:4] == ["中队", "评查案卷数", "平均得分", "不合格案卷"]
    assert ["执法A中队", "2", "95.0", "1"] == lines[1][:4]
    sheet = load_workbook(io.BytesIO(reviewer.get(f"{base}/results/export?group_by=officer&format=xlsx").data)).active
    assert sheet.cell(1, 3).value == "平均得分" and sheet.cell(2, 3).number_format == "0.0"
    assert isinstance(sheet.cell(2, 3).value, (int, float))  # a number cell, not text

    # audit verify finds every row as its entries say; the rows refuse to be rewritten
    report = VerifyReport()
    verify_vouched_rows(report, [SAMPLES, SCORES, PROBLEMS])
    assert report.problems == []
    for statement in ("UPDATE review_scores SET score = 100", "DELETE FROM review_scores",
                      "UPDATE review_samples SET witness_value = 'x'",
                      f"UPDATE review_problems SET state = 'open', closed_at = NULL, closed_by_id = NULL, "
                      f"close_note = NULL WHERE id = {problem['id']}"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_an_edited_score_row_is_named_by_audit_verify(drawn, login_as, app):
    """Drop the triggers (as someone with the database's keys could) and edit a score: caught."""
    sample, _ = drawn
    file_id = sample["files"][0]["id"]
    login_as("reviewer1").post(f"/api/evalreview/samples/{sample['id']}/scores",
                               json={"file_id": file_id, "answers": answers_with(facts_clear="not_met")})
    engine = db.session.get_bind()
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER review_scores_no_rewrite" +
                                   (" ON review_scores" if engine.dialect.name == "postgresql" else "")))
        connection.execute(sa.text("UPDATE review_scores SET grade = '优秀', score = 90"))
    report = VerifyReport()
    verify_vouched_rows(report, [SCORES])
    assert any("review_scores" in p and "grade" in p for p in report.problems), report.problems
    assert alg.SAMPLE_FORMAT == "fieldcase-review-sample/v1"
