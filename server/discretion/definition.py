"""The schema of a discretion file (discretion/*.yaml): a benchmark (裁量基准) of one domain's
violations, or the list of violations that may go unpunished (不予处罚清单). See discretion/README.md."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

ID = validate.Regexp(r"^[a-z][a-z0-9-]*$")
CODE = validate.Regexp(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
NAME = validate.Regexp(r"^[a-z][a-z0-9_]*$")
LEVELS = ("轻微", "一般", "较重", "严重")
PENALTY_TYPES = ("none", "warning", "fine")
FACTOR_KINDS = ("从轻", "减轻", "从重")
FACT_TYPES = ("number", "integer", "boolean", "select")
DOMAINS = ("overload", "dangerous_goods", "road_passenger", "taxi", "ship_pollution",
           "road_administration")


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class Citation(_Strict):
    law = fields.String(required=True, validate=validate.Regexp(r"^《.+》$"))
    article = fields.String(required=True, validate=validate.Regexp(r"^第.+条"))
    excerpt = fields.String(required=True, validate=validate.Length(min=4))
    # Where the text was read (the official text where it could be reached); see README.md.
    url = fields.String(required=True, validate=validate.Regexp(r"^https?://"))


class Option(_Strict):
    value = fields.String(required=True, validate=NAME)
    label = fields.String(required=True)


class Fact(_Strict):
    id = fields.String(required=True, validate=NAME)
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FACT_TYPES))
    unit = fields.String()
    min = fields.Float()
    max = fields.Float()
    options = fields.List(fields.Nested(Option), validate=validate.Length(min=2))
    # A fact with a default may be left out; one without is required.
    default = fields.Raw(allow_none=False)
    # The inspection form item that computes it, e.g. overload:excess_mass (documentation).
    form_item = fields.String()


class Factor(_Strict):
    id = fields.String(required=True, validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(FACTOR_KINDS))
    label = fields.String(required=True)
    when = fields.Raw(required=True)
    basis = fields.Nested(Citation, required=True)


class Range(_Strict):
    min = fields.Integer(required=True, validate=validate.Range(min=0))
    max = fields.Integer(required=True, validate=validate.Range(min=0))


class Step(_Strict):
    name = fields.String(required=True, validate=NAME)
    value = fields.Raw(required=True)   # JSON Logic on the facts and the earlier steps


class Penalty(_Strict):
    types = fields.List(fields.String(validate=validate.OneOf(PENALTY_TYPES)), required=True,
                        validate=validate.Length(min=1))
    # Named steps of the arithmetic, evaluated in order (a list: canonical JSON, which the content
    # hash and the published copy use, sorts a mapping's keys); each sees the facts and earlier steps.
    let = fields.List(fields.Nested(Step), load_default=list)
    amount = fields.Raw()            # yuan: a number or JSON Logic; required with a fine
    min = fields.Raw()               # the level's range; default: the amount
    max = fields.Raw()
    arithmetic = fields.String()     # zh-CN, {name} replaced by a fact, a step, amount, min, max


class Level(_Strict):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    when = fields.Raw(required=True)
    condition = fields.String(required=True)    # `when` in words (zh-CN)
    penalty = fields.Nested(Penalty, required=True)


class Violation(_Strict):
    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True)
    breached = fields.Nested(Citation, required=True)
    penalty_basis = fields.List(fields.Nested(Citation), required=True, validate=validate.Length(min=1))
    penalty_types = fields.List(fields.String(validate=validate.OneOf(PENALTY_TYPES)), required=True)
    statutory_range = fields.Nested(Range)
    # transport: this bureau decides; police: the facts go to 公安机关 (no benchmark here).
    authority = fields.String(load_default="transport", validate=validate.OneOf(["transport", "police"]))
    facts = fields.List(fields.Nested(Fact), load_default=list)
    levels = fields.List(fields.Nested(Level), load_default=list)


class BenchmarkSchema(_Strict):
    id = fields.String(required=True, validate=ID)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(load_default="benchmark", validate=validate.Equal("benchmark"))
    title = fields.String(required=True)
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    description = fields.String()
    # Facts and factors every violation of the file sees (from the included fragment).
    facts = fields.List(fields.Nested(Fact), load_default=list)
    factors = fields.List(fields.Nested(Factor), load_default=list)
    violations = fields.List(fields.Nested(Violation), required=True, validate=validate.Length(min=1))


class NoPenaltyEntry(_Strict):
    code = fields.String(required=True, validate=CODE)
    # minor: 轻微并及时改正、没有造成危害后果 (不予处罚, 第三十三条第一款前段);
    # first_offence: 初次违法且危害后果轻微并及时改正 (可以不予处罚, 同款后段).
    ground = fields.String(required=True, validate=validate.OneOf(["minor", "first_offence"]))
    when = fields.Raw(required=True)
    condition = fields.String(required=True)
    measure = fields.String(required=True)   # what is done instead, e.g. 批评教育、责令改正


class Ground(_Strict):
    """A legal ground for 不予处罚 a disposition cites (server/cases/ offers the current list's)."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    title = fields.String(required=True, validate=validate.Length(min=2))
    law = fields.String(required=True, validate=validate.Regexp(r"^《.+》$"))
    article = fields.String(required=True, validate=validate.Regexp(r"^第.+条"))
    excerpt = fields.String(required=True, validate=validate.Length(min=4))


class NoPenaltyListSchema(_Strict):
    id = fields.String(required=True, validate=ID)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.Equal("no_penalty_list"))
    title = fields.String(required=True)
    description = fields.String()
    basis = fields.List(fields.Nested(Citation), required=True, validate=validate.Length(min=1))
    facts = fields.List(fields.Nested(Fact), load_default=list)
    factors = fields.List(fields.Nested(Factor), load_default=list)
    # The grounds a 不予处罚 disposition may cite (from version 2; each entry's ground among them).
    grounds = fields.List(fields.Nested(Ground), load_default=list)
    entries = fields.List(fields.Nested(NoPenaltyEntry), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _entries_cite_grounds(self, data, **kwargs):
        codes = {g["code"] for g in data.get("grounds") or ()}
        unknown = sorted({e["ground"] for e in data.get("entries") or ()} - codes) if codes else []
        if unknown:
            raise ValidationError(f"entries cite grounds the list does not define: {unknown}", "entries")
