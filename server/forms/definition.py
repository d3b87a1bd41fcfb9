"""The form file format as marshmallow schemas: what forms/*.yaml may contain (see forms/README.md).

The same schemas describe a form in the API (OpenAPI document), so the file format and what the
PWA receives are one definition.
"""
from __future__ import annotations

from types import SimpleNamespace

from marshmallow import RAISE, Schema, ValidationError, fields, pre_dump, validate, validates_schema

ITEM_ID = validate.Regexp(r"^[a-z][a-z0-9_]{0,47}$", error="ids are lower-case ASCII: [a-z][a-z0-9_]*")
FORM_ID = validate.Regexp(r"^[a-z][a-z0-9-]{0,47}$", error="form ids are lower-case ASCII: [a-z][a-z0-9-]*")
ITEM_TYPES = ("check", "text", "integer", "decimal", "select", "multiselect", "date", "datetime",
              "location", "photo", "audio", "video", "signature", "computed", "note", "repeat")
DOMAIN_LABELS = {
    "road_passenger": "道路旅客运输",
    "dangerous_goods": "危险货物道路运输",
    "overload": "公路超限超载",
    "ship_pollution": "船舶污染防治",
    "road_administration": "公路路政",
    "taxi": "出租汽车",
}
SUBJECT_KINDS = ("vehicle", "ship", "business", "site", "person")
EVIDENCE_TYPES = ("photo", "audio", "video")
# Answers of a check item; the zh-CN labels are what an officer taps.
CHECK_RESULTS = {"pass": "符合", "fail": "不符合", "na": "不适用"}

# Fields each type may carry besides the common ones; anything else is a mistake in the file.
COMMON_FIELDS = {"id", "type", "label", "hint", "required", "show_if", "required_if", "legal_basis"}
TYPE_FIELDS = {
    "check": {"violation", "allow_na", "result_rules"},
    "text": {"multiline", "max_length"},
    "integer": {"unit", "min", "max"},
    "decimal": {"unit", "min", "max"},
    "select": {"options"},
    "multiselect": {"options"},
    "date": set(),
    "datetime": set(),
    "location": set(),
    "photo": {"min_count", "max_count"},
    "audio": {"min_count", "max_count"},
    "video": {"min_count", "max_count"},
    "signature": set(),
    "computed": {"compute", "unit", "decimals"},
    "note": set(),
    "repeat": {"items", "min_rows", "max_rows"},
}
# Types that take no answer of their own, so `required` makes no sense on them.
UNANSWERED_TYPES = {"computed", "note"}


class FileSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    @pre_dump
    def _as_attributes(self, data, **kwargs):
        # Dumped from dicts: a missing `items` key must not be read as dict.items.
        return SimpleNamespace(**data) if isinstance(data, dict) else data


def _text(**kw):
    return fields.String(validate=validate.Length(min=1, max=kw.pop("max", 2000)), **kw)


class LegalBasisSchema(FileSchema):
    law = _text(required=True, max=200, metadata={"description": "Law or regulation, e.g. 《公路安全保护条例》"})
    article = _text(required=True, max=100, metadata={"description": "Article, e.g. 第三十三条"})
    excerpt = _text(required=True, metadata={"description": "Short excerpt of the article (zh-CN)"})


class ViolationSchema(FileSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_.]{2,63}$"),
                         metadata={"description": "Stable violation code, e.g. overload.gross_mass"})
    title = _text(required=True, max=200, metadata={"description": "What was breached (zh-CN)"})
    breached = fields.Nested(LegalBasisSchema, required=True)
    penalty = fields.Nested(LegalBasisSchema, required=True)


class OptionSchema(FileSchema):
    value = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_]{0,47}$"))
    label = _text(required=True, max=200)


class ResultRuleSchema(FileSchema):
    """A fact that settles a check: when `when` holds, the result must be one of `results`."""

    when = fields.Raw(required=True, metadata={
        "description": "JSON Logic on the answers and computed values: the rule applies when truthy"})
    results = fields.List(fields.String(validate=validate.OneOf(list(CHECK_RESULTS))), required=True,
                          validate=validate.Length(min=1, max=2),
                          metadata={"description": "The results allowed while the rule applies; "
                                                   "one result decides the check"})
    reason = _text(required=True, max=500, metadata={
        "description": "Why (zh-CN), shown beside the item and in the server's rejection"})


class ItemSchema(FileSchema):
    id = fields.String(required=True, validate=ITEM_ID)
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    label = _text(required=True, max=500)
    hint = _text(max=2000)
    required = fields.Boolean(load_default=False)
    show_if = fields.Raw(metadata={"description": "JSON Logic: the item is shown when truthy"})
    required_if = fields.Raw(metadata={"description": "JSON Logic: the item is required when truthy"})
    legal_basis = fields.List(fields.Nested(LegalBasisSchema))
    violation = fields.Nested(ViolationSchema)
    allow_na = fields.Boolean()
    result_rules = fields.List(fields.Nested(ResultRuleSchema), validate=validate.Length(min=1, max=20),
                               metadata={"description": "Rules by which computed values or other "
                                                        "answers decide or constrain a check's result"})
    multiline = fields.Boolean()
    max_length = fields.Integer(validate=validate.Range(min=1, max=20000))
    unit = _text(max=20)
    min = fields.Float(allow_nan=False)
    max = fields.Float(allow_nan=False)
    options = fields.List(fields.Nested(OptionSchema), validate=validate.Length(min=1))
    min_count = fields.Integer(validate=validate.Range(min=0, max=100))
    max_count = fields.Integer(validate=validate.Range(min=1, max=100))
    compute = fields.Raw(metadata={"description": "JSON Logic computing the value"})
    decimals = fields.Integer(validate=validate.Range(min=0, max=6))
    items = fields.List(fields.Nested(lambda: ItemSchema()), validate=validate.Length(min=1))
    min_rows = fields.Integer(validate=validate.Range(min=0, max=100))
    max_rows = fields.Integer(validate=validate.Range(min=1, max=100))

    @validates_schema(skip_on_field_errors=False)
    def _fits_its_type(self, data, **kwargs):
        kind = data.get("type")
        if kind not in TYPE_FIELDS:
            return
        errors = {}
        for name in set(data) - COMMON_FIELDS - TYPE_FIELDS[kind]:
            errors[name] = [f"not allowed on a {kind} item"]
        needs = {"check": "violation", "select": "options", "multiselect": "options",
                 "computed": "compute", "repeat": "items"}
        if kind in needs and needs[kind] not in data:
            errors[needs[kind]] = [f"a {kind} item needs {needs[kind]}"]
        if kind in UNANSWERED_TYPES:
            for name in ("required", "required_if") + (("show_if",) if kind == "computed" else ()):
                if data.get(name):
                    errors[name] = [f"a {kind} item takes no answer: {name} makes no sense"]
        for low, high in (("min", "max"), ("min_count", "max_count"), ("min_rows", "max_rows")):
            if low in data and high in data and data[low] > data[high]:
                errors[low] = [f"{low} is greater than {high}"]
        for index, rule in enumerate(data.get("result_rules") or []):
            results = rule.get("results") or []
            if len(set(results)) != len(results):
                errors[f"result_rules.{index}.results"] = ["results repeat"]
            elif "na" in results and data.get("allow_na") is False:
                errors[f"result_rules.{index}.results"] = ["na is not offered: the item has allow_na: false"]
        values = [o["value"] for o in data.get("options") or []]
        if len(values) != len(set(values)):
            errors["options"] = ["option values repeat"]
        if errors:
            raise ValidationError(errors)


class SectionSchema(FileSchema):
    id = fields.String(required=True, validate=ITEM_ID)
    title = _text(required=True, max=200)
    show_if = fields.Raw(metadata={"description": "JSON Logic: the section is shown when truthy"})
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1))


class FormSchema(FileSchema):
    id = fields.String(required=True, validate=FORM_ID)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    title = _text(required=True, max=200)
    domain = fields.String(required=True, validate=validate.OneOf(list(DOMAIN_LABELS)))
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    description = _text(max=4000)
    legal_basis = fields.List(fields.Nested(LegalBasisSchema), required=True,
                              validate=validate.Length(min=1))
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1))
