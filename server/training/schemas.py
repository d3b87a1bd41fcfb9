"""What may enter and leave the training API."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import StrictSchema, bounded_date, bounded_int


def _one_decimal(value: Decimal) -> None:
    if value * 10 != (value * 10).to_integral_value():
        raise ValidationError("学时最多一位小数。")


class TrainingInputSchema(StrictSchema):
    officer_id = bounded_int(1, required=True)
    course = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organiser = fields.String(allow_none=True, validate=validate.Length(max=200))
    class_hours = fields.Decimal(required=True, places=None, validate=[
        validate.Range(min=Decimal("0.1"), max=Decimal(200), error="学时应在 0.1 到 200 之间。"), _one_decimal])
    started_on = bounded_date(required=True)
    finished_on = bounded_date(required=True)
    completion_certificate = fields.String(allow_none=True, validate=validate.Length(max=100))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("started_on") and data.get("finished_on") and data["finished_on"] < data["started_on"]:
            raise ValidationError("结束日期早于开始日期。", "finished_on")


class TrainingQuerySchema(StrictSchema):
    officer = bounded_int(1, metadata={"description": "one officer's id"})


class TrainingRecordSchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer = fields.Function(lambda r: r.officer.display_name)
    course = fields.String()
    organiser = fields.String(allow_none=True)
    class_hours = fields.Float()
    started_on = fields.Date()
    finished_on = fields.Date()
    completion_certificate = fields.String(allow_none=True)
    recorded_at = fields.DateTime()


class TrainingListSchema(Schema):
    records = fields.List(fields.Nested(TrainingRecordSchema))


class TrainingImportResultSchema(Schema):
    imported = fields.Integer()
    sha256 = fields.String()
