"""What the targets API takes and sends."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import INT32_MAX, StrictSchema, bounded_int
from .models import CATEGORIES, CREDIT_CLASSES, KEY_KINDS


class CreditClassRowSchema(Schema):
    credit_class = fields.String()
    effective_date = fields.Date()
    source = fields.String()
    recorded_at = fields.DateTime()


class TargetSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    category_label = fields.Function(lambda t: CATEGORIES[t.category])
    key_kind = fields.String()
    key_label = fields.Function(lambda t: KEY_KINDS[t.key_kind])
    key = fields.String(metadata={"description": "Credit code, plate or ship identification number"})
    name = fields.String()
    credit_code = fields.String(allow_none=True)
    licence_numbers = fields.List(fields.String())
    address = fields.String(allow_none=True)
    area_code = fields.String(allow_none=True)
    area_name = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    credit_class = fields.String()
    credit_class_label = fields.Function(lambda t: CREDIT_CLASSES[t.credit_class])
    credit_class_since = fields.Date()
    form_ids = fields.List(fields.String(), metadata={"description": "Supervision items (form ids)"})
    domains = fields.List(fields.String(), metadata={"description": "执法类别 of its items"})
    updated_at = fields.DateTime()


class TargetDetailSchema(TargetSchema):
    credit_class_history = fields.List(fields.Nested(CreditClassRowSchema))


class TargetListQuerySchema(StrictSchema):
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)))
    credit_class = fields.String(validate=validate.OneOf(list(CREDIT_CLASSES)))
    area = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "Area code prefix or area name"})
    q = fields.String(validate=validate.Length(min=1, max=100))
    after = bounded_int(0, INT32_MAX, load_default=0, metadata={"description": "Last id seen"})
    limit = bounded_int(1, 500, load_default=100)


class ImportResultSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    class_changes = fields.Integer()


class RecentQuerySchema(StrictSchema):
    target_id = bounded_int(1, INT32_MAX)
    key = fields.String(validate=validate.Length(min=1, max=64),
                        metadata={"description": "Credit code, plate or ship identification number"})


class HistoryItemSchema(Schema):
    uuid = fields.String()
    root_uuid = fields.String()
    revision = fields.Integer()
    status = fields.String()
    form_id = fields.String()
    subject = fields.Function(lambda i: {"kind": i.subject_kind, "name": i.subject_name,
                                         "code": i.subject_code})
    officers = fields.Function(lambda i: [o.user.display_name for o in i.officers])
    started_at = fields.DateTime()
    failed_checks = fields.Integer()
    revisit_reason = fields.Function(lambda i: getattr(i, "revisit_reason", None))


class RecentSchema(Schema):
    target = fields.Nested(TargetSchema, allow_none=True)
    window_days = fields.Integer()
    inspections = fields.List(fields.Nested(HistoryItemSchema))
    reason_required = fields.Boolean(metadata={
        "description": "True: a record naming this target must carry `revisit_reason`"})
