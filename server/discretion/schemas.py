"""The wire contract of the discretion API: the benchmarks as the PWA evaluates them offline, and
a calculation's request and answer."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import StrictSchema, bounded_int
from .calculator import PARTY_KINDS
from .definition import PENALTY_TYPES


class BenchmarkOutSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    kind = fields.String(metadata={"description": "benchmark | no_penalty_list"})
    title = fields.String()
    hash = fields.String(metadata={"description": "SHA-256 of the expanded document"})
    document = fields.Dict(metadata={"description": "The file with its include expanded: facts, "
                                     "factors, violations with levels in portable JSON Logic"})


class ProposedPenaltySchema(StrictSchema):
    types = fields.List(fields.String(validate=validate.OneOf(PENALTY_TYPES)), required=True,
                        validate=validate.Length(min=1, max=3))
    amount = bounded_int(0, 100_000_000, load_default=None, allow_none=True,
                         metadata={"description": "yuan, with a fine"})


class CalculateSchema(StrictSchema):
    violation = fields.String(required=True, validate=validate.Length(min=3, max=80),
                              metadata={"example": "overload.gross_mass"})
    facts = fields.Dict(keys=fields.String(validate=validate.Length(max=80)), required=True,
                        validate=validate.Length(max=500),
                        metadata={"description": "The case's facts; an inspection's answers may be "
                                  "passed as they are (names the benchmark does not use are ignored)",
                                  "example": {"excess_mass": 1500}})
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS), load_default=None,
                               metadata={"description": "citizen | organisation: also answers whether "
                                         "the simple procedure (第五十一条) may be used"})
    proposed = fields.Nested(ProposedPenaltySchema, load_default=None,
                             metadata={"description": "A penalty to check against the benchmark"})


class PenaltyOutSchema(Schema):
    types = fields.List(fields.String())
    amount = fields.Integer(allow_none=True)
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)
    benchmark_amount = fields.Integer(allow_none=True)


class CheckOutSchema(Schema):
    within = fields.Boolean()
    needs_reason = fields.Boolean()
    needs_legal_review = fields.Boolean()
    lawful = fields.Boolean()
    explanation = fields.String()


class CalculationOutSchema(Schema):
    violation = fields.Dict()
    benchmark = fields.Dict()
    level = fields.String(metadata={"description": "轻微 | 一般 | 较重 | 严重"})
    penalty = fields.Nested(PenaltyOutSchema)
    statutory_range = fields.Dict(allow_none=True)
    factors = fields.List(fields.Dict())
    no_penalty = fields.Dict(allow_none=True)
    simple_procedure = fields.Dict()
    reasoning = fields.List(fields.String())
    check = fields.Nested(CheckOutSchema)
