"""Scores of sampled files and the problems they find.

A reviewer (法制审核人员 or 中队长) scores a sampled file in which they had no part; the score and
grade are computed from the checklist (standard.py), never entered. Scores are append-only: a
correction names the file's current score (`supersedes`), with a reason; another answers 409.
Each not-met item opens a problem (待整改) until someone records it fixed; a correction that finds
the item met withdraws it, one that finds it not met again reopens a withdrawn one. Every score
and every change of a problem is an audit entry holding what the row holds (vouched.py).
"""
from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import utcnow
from ..errors import ApiError
from ..extensions import db
from .models import ReviewProblem, ReviewSample, ReviewScore
from .service import sampled_file
from .standard import CURRENT_VERSION, check_answers, items_by_id, load_standard, score_answers

REVIEWERS = ("legal_reviewer", "supervisor")


def current_score(sample_id: int, file_id: str) -> ReviewScore | None:
    """The end of the file's chain of scores (the one no other supersedes)."""
    later = sa.orm.aliased(ReviewScore)
    return db.session.execute(sa.select(ReviewScore).where(
        ReviewScore.sample_id == sample_id, ReviewScore.file_id == file_id,
        ~sa.exists().where(later.supersedes_id == ReviewScore.id))).unique().scalar_one_or_none()


def score_facts(score: ReviewScore) -> dict:
    """What a score's audit entry holds (and vouched.py compares with the row)."""
    return {"sample": score.sample_id, "file": score.file_id, "reviewer_id": score.reviewer_id,
            "standard_version": score.standard_version, "answers": score.answers,
            "score": str(score.score), "grade": score.grade, "vetoed": score.vetoed,
            "defects": score.defects, "supersedes": score.supersedes_id, "reason": score.reason}


def score_file(user: User, sample: ReviewSample, file_id: str, answers: dict,
               supersedes: int | None = None, reason: str | None = None) -> ReviewScore:
    """Record a reviewer's score of a sampled file (a new row; a correction supersedes)."""
    if not user.has_role(*REVIEWERS):
        raise ApiError("evalreview.not_reviewer")
    facts = sampled_file(sample, file_id)
    if user.username in facts["involved"]:
        raise ApiError("evalreview.own_file")
    standard = load_standard(CURRENT_VERSION)
    check_answers(standard, answers)
    current = current_score(sample.id, file_id)
    if (current.id if current else None) != supersedes:
        raise ApiError("evalreview.stale_score")
    if supersedes is not None and not (reason or "").strip():
        raise ApiError("evalreview.reason_required")
    result = score_answers(standard, answers)
    score = ReviewScore(sample_id=sample.id, file_id=file_id, reviewer_id=user.id,
                        standard_version=standard["version"], answers=answers, score=result["score"],
                        grade=result["grade"], vetoed=result["vetoed"], defects=result["defects"],
                        supersedes_id=supersedes, reason=reason if supersedes else None,
                        created_at=utcnow())
    db.session.add(score)
    db.session.flush()
    record_event("evalreview.scored", actor=user, object_type="review_score", object_id=score.id,
                 details=score_facts(score))
    _track_problems(user, score, standard)
    return score


def problem_facts(problem: ReviewProblem) -> dict:
    closed = problem.closed_at
    return {"sample": problem.sample_id, "file": problem.file_id, "item": problem.item_id,
            "section": problem.section, "found_by_score": problem.found_by_score_id,
            "note": problem.note, "state": problem.state, "closed_by_id": problem.closed_by_id,
            "closed_at": closed.astimezone(timezone.utc).isoformat() if closed else None,
            "close_note": problem.close_note}


def _track_problems(user: User, score: ReviewScore, standard: dict) -> None:
    known = {p.item_id: p for p in db.session.execute(sa.select(ReviewProblem).where(
        ReviewProblem.sample_id == score.sample_id, ReviewProblem.file_id == score.file_id)).scalars()}
    for item_id, (section, _) in items_by_id(standard).items():
        answer, problem = score.answers[item_id], known.get(item_id)
        if answer["result"] == "not_met" and problem is None:
            problem = ReviewProblem(sample_id=score.sample_id, file_id=score.file_id, item_id=item_id,
                                    section=section, found_by_score_id=score.id, note=answer["note"],
                                    found_at=score.created_at, state="open")
            db.session.add(problem)
            db.session.flush()
            _audit(user, "evalreview.problem_found", problem)
        elif answer["result"] == "not_met" and problem.state == "withdrawn":
            _close(problem, "open", None, None)
            problem.note = answer["note"]
            _audit(user, "evalreview.problem_reopened", problem)
        elif answer["result"] != "not_met" and problem is not None and problem.state == "open":
            _close(problem, "withdrawn", user, f"评分更正（评分 {score.id}）")
            _audit(user, "evalreview.problem_withdrawn", problem)


def _close(problem: ReviewProblem, state: str, user: User | None, note: str | None) -> None:
    problem.state = state
    problem.closed_by = user
    problem.closed_by_id = user.id if user else None
    problem.closed_at = utcnow() if user else None
    problem.close_note = note
    db.session.flush()


def _audit(user: User, action: str, problem: ReviewProblem) -> None:
    record_event(action, actor=user, object_type="review_problem", object_id=problem.id,
                 details=problem_facts(problem))


def fix_problem(user: User, problem: ReviewProblem, note: str) -> ReviewProblem:
    """Record that an open problem was fixed (整改完成): who, when, how (audited)."""
    if not user.has_role("supervisor", "admin"):
        raise ApiError("evalreview.not_supervisor")
    if problem.state != "open":
        raise ApiError("evalreview.problem_not_open")
    _close(problem, "fixed", user, note)
    _audit(user, "evalreview.problem_fixed", problem)
    return problem


def get_problem(problem_id: int) -> ReviewProblem:
    problem = db.session.get(ReviewProblem, problem_id)
    if problem is None:
        raise ApiError("evalreview.problem_not_found")
    return problem
