"""What may enter and leave the 案卷评查 API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import StrictSchema, bounded_int
from .models import PROBLEM_STATES
from .standard import ANSWERS

QUARTER = validate.Regexp(r"^\d{4}-Q[1-4]$", error="季度格式为 YYYY-Qn，如 2026-Q3。")
FILE_ID = validate.Length(min=1, max=100)


class SampleCommitSchema(StrictSchema):
    quarter = fields.String(required=True, validate=QUARTER)


class SampleDrawSchema(StrictSchema):
    witness_value = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                  metadata={"description": "a public value nobody knew at commitment"})


class AnswerSchema(StrictSchema):
    result = fields.String(required=True, validate=validate.OneOf(ANSWERS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReviewScoreCreateSchema(StrictSchema):
    file_id = fields.String(required=True, validate=FILE_ID)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                          values=fields.Nested(AnswerSchema), required=True,
                          validate=validate.Length(max=100))
    supersedes = bounded_int(1, allow_none=True, load_default=None,
                             metadata={"description": "the file's current score, to correct it"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ProblemFixSchema(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ResultsQuerySchema(StrictSchema):
    group_by = fields.String(load_default="officer", validate=validate.OneOf(("officer", "team")))


class ResultsExportQuerySchema(ResultsQuerySchema):
    format = fields.String(required=True, validate=validate.OneOf(("csv", "xlsx")))


class ReviewProblemQuerySchema(StrictSchema):
    state = fields.String(load_default=None, validate=validate.OneOf(PROBLEM_STATES))


class ReviewSampleSchema(Schema):
    id = fields.Integer()
    quarter = fields.String()
    status = fields.String()
    committed_at = fields.DateTime()
    seed_sha256 = fields.String()
    inputs_sha256 = fields.Dict()
    commitment_digest = fields.String()
    drawn_at = fields.DateTime(allow_none=True)
    witness_value = fields.String(allow_none=True)
    eligible = fields.Integer(metadata={"description": "closed files the sample was drawn from"})
    files = fields.List(fields.Dict(), metadata={
        "description": "the sampled files: facts, current score, whether I may score it"})


class ReviewScoreSchema(Schema):
    id = fields.Integer()
    sample_id = fields.Integer()
    file_id = fields.String()
    reviewer = fields.Function(lambda s: s.reviewer.display_name)
    standard_version = fields.Integer()
    answers = fields.Dict()
    score = fields.Decimal(as_string=True)
    grade = fields.String()
    vetoed = fields.Boolean()
    defects = fields.Dict()
    supersedes_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ReviewProblemSchema(Schema):
    id = fields.Integer()
    quarter = fields.String()
    file_id = fields.String()
    team = fields.String()
    officers = fields.List(fields.String())
    section = fields.String()
    section_title = fields.String()
    item = fields.String()
    item_text = fields.String()
    note = fields.String()
    state = fields.String()
    state_label = fields.String()
    found_at = fields.DateTime()
    age_days = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    close_note = fields.String(allow_none=True)
