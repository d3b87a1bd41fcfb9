"""What may enter and leave the oversight API: figures, their exports and warnings."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import StrictSchema, bounded_int
from .tables import GROUP_BY

MONTH = validate.Regexp(r"^\d{4}-\d{2}$", error="月份格式为 YYYY-MM。")


class FiguresQuerySchema(StrictSchema):
    # Named from/to on the wire (data keys), first/last here.
    first = fields.String(data_key="from", validate=MONTH, metadata={"description": "YYYY-MM"})
    last = fields.String(data_key="to", validate=MONTH, metadata={"description": "YYYY-MM"})
    group_by = fields.String(load_default="month", validate=validate.OneOf(GROUP_BY))
    team = bounded_int(1, metadata={"description": "a team's id (admins)"})


class ExportQuerySchema(FiguresQuerySchema):
    format = fields.String(required=True, validate=validate.OneOf(("csv", "xlsx")))


class ColumnSchema(Schema):
    key = fields.String()
    label = fields.String()
    type = fields.String(metadata={"description": "text, month, int, hours or percent"})


class FigureSchema(Schema):
    id = fields.String()
    title = fields.String()
    definition = fields.String(metadata={"description": "how it is computed (zh-CN)"})
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.Dict())
    chart = fields.Dict(allow_none=True)
    available = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": "why a figure is absent"})


class FiguresSchema(Schema):
    period = fields.Dict()
    scope = fields.Dict()
    group_by = fields.String()
    figures = fields.List(fields.Nested(FigureSchema))


class WarningQuerySchema(StrictSchema):
    state = fields.String(load_default="open", validate=validate.OneOf(("open", "acknowledged", "all")))


class AcknowledgeSchema(StrictSchema):
    comment = fields.String(validate=validate.Length(max=2000), allow_none=True)


class OversightWarningSchema(Schema):
    """An early warning (预警) of the oversight scan."""

    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    detail = fields.String()
    team = fields.String(allow_none=True)
    officer = fields.String(allow_none=True)
    links = fields.List(fields.Dict())
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    acknowledge_comment = fields.String(allow_none=True)


class WarningListSchema(Schema):
    warnings = fields.List(fields.Nested(OversightWarningSchema))
    open = fields.Integer()


class ScanResultSchema(Schema):
    raised = fields.List(fields.Nested(OversightWarningSchema))
