"""The 案卷评查 API: thin views over service.py (the quarterly sample), scoring.py and results.py.
Supervisors and admins draw the sample and close problems; legal reviewers and supervisors score;
a supervisor sees their own team's results and problems, admins and legal reviewers all."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, g

from ..accounts import auth
from ..extensions import db
from ..oversight import exports
from ..schemas import Blueprint
from . import results, scoring, service
from .models import ReviewSample
from .schemas import (
    ProblemFixSchema,
    ResultsExportQuerySchema,
    ResultsQuerySchema,
    ReviewProblemQuerySchema,
    ReviewProblemSchema,
    ReviewSampleSchema,
    ReviewScoreCreateSchema,
    ReviewScoreSchema,
    SampleCommitSchema,
    SampleDrawSchema,
)
from .standard import load_standard

blp = Blueprint("evalreview", __name__, url_prefix="/api/evalreview",
                description="案卷评查: the quarterly sample of closed files, scores and problems")
READERS = ("supervisor", "admin", "legal_reviewer")


def _team_filter() -> str | None:
    """A supervisor (not an admin, not a legal reviewer) sees their own team's files only."""
    user = g.user
    if user.has_role("admin", "legal_reviewer") or user.team is None:
        return None
    return user.team.name


def _sample_view(sample: ReviewSample) -> dict:
    files = []
    if sample.status == "drawn":
        facts = {f["id"]: f for f in sample.inputs["files"]}
        for file_id in sample.result:
            current = scoring.current_score(sample.id, file_id)
            file = facts[file_id]
            files.append({**file, "score": ReviewScoreSchema().dump(current) if current else None,
                          "may_score": g.user.has_role(*scoring.REVIEWERS)
                          and g.user.username not in file["involved"]})
    return {**{k: getattr(sample, k) for k in ("id", "quarter", "status", "committed_at", "seed_sha256",
                                               "inputs_sha256", "commitment_digest", "drawn_at",
                                               "witness_value")},
            "eligible": len(sample.inputs["files"]), "files": files}


@blp.route("/standard", methods=["GET"])
@auth.roles_required(*READERS)
def show_standard():
    """The current checklist (评查标准): sections, items, points, what counts as a defect."""
    return load_standard()


@blp.route("/samples", methods=["GET"])
@blp.response(200, ReviewSampleSchema(many=True))
@auth.roles_required(*READERS)
def list_samples():
    """Every quarter's sample, newest first."""
    samples = db.session.execute(sa.select(ReviewSample).order_by(ReviewSample.quarter.desc())).scalars()
    return [_sample_view(s) for s in samples]


@blp.route("/samples", methods=["POST"])
@blp.arguments(SampleCommitSchema)
@blp.response(201, ReviewSampleSchema)
@auth.roles_required("supervisor", "admin")
def commit_sample(data):
    """Commit a quarter's sample: freeze its closed files, publish the seed's SHA-256."""
    return _sample_view(service.commit_sample(g.user, data["quarter"]))


@blp.route("/samples/<id:sample_id>", methods=["GET"])
@blp.response(200, ReviewSampleSchema)
@auth.roles_required(*READERS)
def show_sample(sample_id):
    """One sample with its drawn files, each with its current score."""
    return _sample_view(service.get_sample(sample_id))


@blp.route("/samples/<id:sample_id>/draw", methods=["POST"])
@blp.arguments(SampleDrawSchema)
@blp.response(200, ReviewSampleSchema)
@auth.roles_required("supervisor", "admin")
def draw_sample(data, sample_id):
    """Draw once with the witness's public value; reveal the seed."""
    return _sample_view(service.draw_sample(g.user, service.get_sample(sample_id), data["witness_value"]))


@blp.route("/samples/<id:sample_id>/sample.json", methods=["GET"])
@auth.roles_required(*READERS)
def download_sample(sample_id):
    """The published sample, for `python -m server.verify_review_sample`."""
    return service.sample_document(service.get_sample(sample_id))


@blp.route("/samples/<id:sample_id>/scores", methods=["POST"])
@blp.arguments(ReviewScoreCreateSchema)
@blp.response(201, ReviewScoreSchema)
@auth.roles_required(*scoring.REVIEWERS)
def score_file(data, sample_id):
    """Score a sampled file against the checklist (a correction names the score it supersedes)."""
    return scoring.score_file(g.user, service.get_sample(sample_id), data["file_id"], data["answers"],
                              data["supersedes"], data["reason"])


@dataclass(frozen=True)
class _Quarter:
    quarter: str

    def label(self) -> str:
        return self.quarter


@blp.route("/samples/<id:sample_id>/results", methods=["GET"])
@blp.arguments(ResultsQuerySchema, location="query")
@auth.roles_required(*READERS)
def show_results(query, sample_id):
    """Results per officer or team: files, average score, 不合格 files, defects by section."""
    return results.review_results(service.get_sample(sample_id), query["group_by"], _team_filter())


@blp.route("/samples/<id:sample_id>/results/export", methods=["GET"])
@blp.arguments(ResultsExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv", description="CSV (UTF-8 with BOM, CRLF) or XLSX")
@auth.roles_required(*READERS)
def export_results(query, sample_id):
    """The results table as CSV or XLSX, as the dashboard shows it."""
    sample = service.get_sample(sample_id)
    table = results.review_results(sample, query["group_by"], _team_filter())
    name = f"evalreview-{sample.quarter}-{query['group_by']}.{query['format']}"
    if query["format"] == "csv":
        body, mimetype = exports.figure_csv(table), exports.CSV_TYPE
    else:
        body = exports.figure_xlsx(table, _Quarter(sample.quarter), _team_filter() or "全局")
        mimetype = exports.XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


@blp.route("/problems", methods=["GET"])
@blp.arguments(ReviewProblemQuerySchema, location="query")
@blp.response(200, ReviewProblemSchema(many=True))
@auth.roles_required(*READERS)
def list_problems(query):
    """Problems found by the reviews, open ones first, each with its age in days."""
    return results.list_problems(query["state"], _team_filter())


@blp.route("/problems/<id:problem_id>/fix", methods=["POST"])
@blp.arguments(ProblemFixSchema)
@blp.response(200, ReviewProblemSchema)
@auth.roles_required("supervisor", "admin")
def fix_problem(data, problem_id):
    """Record that a problem was fixed (整改完成): who, when and how."""
    problem = scoring.fix_problem(g.user, scoring.get_problem(problem_id), data["note"])
    return next(p for p in results.list_problems(None) if p["id"] == problem.id)
