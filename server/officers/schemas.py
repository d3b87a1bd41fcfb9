"""What the officers' directory API takes and sends."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..forms.definition import DOMAIN_LABELS
from ..schemas import INT32_MAX, StrictSchema, bounded_date, bounded_int
from .models import ABSENCE_KINDS

_REASON = validate.Length(min=1, max=2000)


class _DateRange(StrictSchema):
    @validates_schema
    def _ordered(self, data, **kwargs):
        first, last = self.range_names
        if data.get(first) and data.get(last) and data[last] < data[first]:
            raise ValidationError("结束日期不能早于开始日期。", last)


class OfficerCertificateInSchema(_DateRange):
    range_names = ("valid_from", "valid_until")
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    domains = fields.List(fields.String(validate=validate.OneOf(list(DOMAIN_LABELS))), required=True,
                          validate=validate.Length(min=1, error="至少选择一个执法类别。"),
                          metadata={"description": "执法类别 the certificate covers"})
    valid_from = bounded_date(required=True)
    valid_until = bounded_date(required=True)


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=_REASON)


class AbsenceInSchema(_DateRange):
    range_names = ("starts_on", "ends_on")
    kind = fields.String(required=True, validate=validate.OneOf(list(ABSENCE_KINDS)))
    starts_on = bounded_date(required=True)
    ends_on = bounded_date(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=200))


class ConflictInSchema(StrictSchema):
    target_id = bounded_int(1, INT32_MAX, required=True, strict=True)
    reason = fields.String(required=True, validate=_REASON)


class EligibleQuerySchema(StrictSchema):
    domain = fields.String(required=True, validate=validate.OneOf(list(DOMAIN_LABELS)))
    on = bounded_date(required=True, metadata={"description": "The local date (YYYY-MM-DD)"})


class OfficerCertificateSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    domains = fields.List(fields.String())
    domain_labels = fields.Function(lambda c: [DOMAIN_LABELS.get(d, d) for d in c.domains])
    valid_from = fields.Date()
    valid_until = fields.Date()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class AbsenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda a: ABSENCE_KINDS[a.kind])
    starts_on = fields.Date()
    ends_on = fields.Date()
    note = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)


class ConflictSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    target_id = fields.Integer()
    reason = fields.String()
    declared_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)


class OfficerEntrySchema(Schema):
    user_id = fields.Integer(attribute="user.id")
    username = fields.String(attribute="user.username")
    display_name = fields.String(attribute="user.display_name")
    team = fields.Function(lambda e: e["user"].team.code if e["user"].team else None)
    certificates = fields.List(fields.Nested(OfficerCertificateSchema))
    absences = fields.List(fields.Nested(AbsenceSchema))
    conflicts = fields.List(fields.Nested(ConflictSchema))


class EligibleSchema(Schema):
    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    team = fields.String(allow_none=True)
    certificate_id = fields.Integer()
    certificate_number = fields.String()
