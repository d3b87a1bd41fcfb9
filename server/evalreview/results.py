"""Results of a quarter's review per officer or team (average score, defects by section) as the
dashboard's table shape (oversight/tables.py), so that it is drawn and exported like any figure;
and the problems found, with their age."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from ..clock import local_today, to_local
from ..extensions import db
from ..oversight.tables import column, figure
from .models import PROBLEM_STATE_LABELS, ReviewProblem, ReviewSample
from .scoring import current_score
from .standard import SECTIONS, load_standard

GROUPS = {"officer": "执法人员", "team": "中队"}


def _scored_files(sample: ReviewSample) -> list[tuple[dict, object]]:
    files = {f["id"]: f for f in sample.inputs["files"]}
    scored = []
    for file_id in sample.result or []:
        score = current_score(sample.id, file_id)
        if score is not None:
            scored.append((files[file_id], score))
    return scored


def review_results(sample: ReviewSample, group_by: str, team: str | None = None) -> dict:
    """One row per officer (a file counts for each officer who handled it) or team: files scored,
    average of their current scores (one decimal, half up), 不合格 files, defects per section.
    `team`: only that team's files (a supervisor sees their own)."""
    titles = {s["id"]: s["title"] for s in load_standard()["sections"]}
    groups: dict[str, dict] = {}
    for facts, score in _scored_files(sample):
        if team is not None and facts["team"] != team:
            continue
        keys = facts["officers"] if group_by == "officer" else [facts["team"] or "（无中队）"]
        for key in keys:
            row = groups.setdefault(key, {"group": key, "files": 0, "total": Decimal(0), "failed": 0,
                                          **{s: 0 for s in SECTIONS}})
            row["files"] += 1
            row["total"] += score.score
            row["failed"] += score.grade == "不合格"
            for section, count in score.defects.items():
                row[section] += count
    rows = []
    for key in sorted(groups):
        row = groups[key]
        total = row.pop("total")
        row["average"] = float((total / row["files"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        rows.append(row)
    columns = [column("group", GROUPS[group_by], "text"), column("files", "评查案卷数", "int"),
               column("average", "平均得分", "hours"), column("failed", "不合格案卷", "int"),
               *[column(s, f"{titles[s]}问题", "int") for s in SECTIONS]]
    return figure(f"evalreview_{group_by}", f"案卷评查结果（按{GROUPS[group_by]}，{sample.quarter}）",
                  "本季度抽取并已评分的案卷，按每份案卷的最新评分（更正后的评分取代原评分）计算：平均得分为"
                  "各案卷得分的算术平均（保留一位小数，四舍五入）；一份案卷计入承办它的每一名执法人员；"
                  "问题数为各部分评为“不符合”的项目数。", columns, rows)


def list_problems(state: str | None, team: str | None = None) -> list[dict]:
    """Problems found (open first, oldest first), each with its age in days."""
    query = sa.select(ReviewProblem, ReviewSample).join(ReviewSample, ReviewSample.id == ReviewProblem.sample_id)
    if state:
        query = query.where(ReviewProblem.state == state)
    today = local_today()
    titles = {s["id"]: s["title"] for s in load_standard()["sections"]}
    items = {i["id"]: i["text"] for s in load_standard()["sections"] for i in s["items"]}
    answer = []
    for problem, sample in db.session.execute(query.order_by(ReviewProblem.found_at, ReviewProblem.id)).unique():
        facts = next(f for f in sample.inputs["files"] if f["id"] == problem.file_id)
        if team is not None and facts["team"] != team:
            continue
        until = to_local(problem.closed_at).date() if problem.closed_at else today
        answer.append({
            "id": problem.id, "quarter": sample.quarter, "file_id": problem.file_id, "team": facts["team"],
            "officers": facts["officers"], "section": problem.section, "section_title": titles[problem.section],
            "item": problem.item_id, "item_text": items.get(problem.item_id, problem.item_id),
            "note": problem.note, "state": problem.state, "state_label": PROBLEM_STATE_LABELS[problem.state],
            "found_at": problem.found_at, "age_days": (until - to_local(problem.found_at).date()).days,
            "closed_at": problem.closed_at,
            "closed_by": problem.closed_by.display_name if problem.closed_by else None,
            "close_note": problem.close_note})
    return sorted(answer, key=lambda p: (p["state"] != "open", p["found_at"], p["id"]))
