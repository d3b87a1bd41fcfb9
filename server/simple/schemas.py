"""What may enter and leave the simple procedure's API: number blocks and on-the-spot decisions."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import StrictSchema, aware_datetime, bounded_int
from .models import PARTY_KINDS

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="应为 64 位小写十六进制 SHA-256 值。")
DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{1,100}$", error="设备编号格式不正确。")


class BlockRequestSchema(StrictSchema):
    size = bounded_int(load_default=20, validate=validate.Range(min=1, max=100, error="每个号段 1 至 100 个号码。"))


class BlockOutSchema(Schema):
    uuid = fields.UUID()
    doc_type = fields.String()
    year = fields.Integer()
    first_serial = fields.Integer()
    last_serial = fields.Integer()
    device_id = fields.String()
    prefix = fields.String(metadata={"description": "The number's text before 〔year〕, e.g. 海盐交当罚"})
    example = fields.String()
    reserved_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    used_serials = fields.List(fields.Integer())
    voided = fields.List(fields.Integer(), metadata={"description": "Numbers voided (作废) on return"})


class LedgerQuerySchema(StrictSchema):
    year = bounded_int(required=True, validate=validate.Range(min=2000, max=2199))


class LedgerOutSchema(Schema):
    year = fields.Integer()
    numbers = fields.List(fields.Dict(), metadata={
        "description": "serial, state (used | voided | reserved | missing), number, reason or device_id"})
    missing = fields.List(fields.Integer(), metadata={"description": "Numbers unaccounted for (none expected)"})


class SignatureSchema(StrictSchema):
    signer = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "party, or an officer's username"})
    sha256 = fields.String(required=True, validate=SHA256)
    png = fields.String(required=True, validate=validate.Length(min=8, max=700_000),
                        metadata={"description": "The PNG, base64"})


class PenaltySchema(StrictSchema):
    types = fields.List(fields.String(validate=validate.OneOf(["warning", "fine"])), required=True,
                        validate=validate.Length(min=1, max=2))
    amount = bounded_int(allow_none=True, load_default=None, validate=validate.Range(min=1),
                         metadata={"description": "yuan, with a fine"})


class NumberSchema(StrictSchema):
    block = fields.UUID(required=True)
    year = bounded_int(required=True)
    serial = bounded_int(required=True, validate=validate.Range(min=1))


class DecisionSchema(StrictSchema):
    uuid = fields.UUID(required=True)
    device_id = fields.String(required=True, validate=DEVICE_ID)
    number = fields.Nested(NumberSchema, required=True)
    inspection_uuid = fields.UUID(allow_none=True, load_default=None)
    item_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=100))
    violation = fields.String(required=True, validate=validate.Length(min=3, max=100))
    facts = fields.Dict(keys=fields.String(), required=True)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    party_code = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64))
    place = fields.String(required=True, validate=validate.Length(min=1, max=300))
    decided_at = aware_datetime(required=True)
    penalty = fields.Nested(PenaltySchema, required=True)
    officers = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    signatures = fields.List(fields.Nested(SignatureSchema), required=True)
    app_version = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class DecisionSyncSchema(StrictSchema):
    device_time = aware_datetime(allow_none=True, load_default=None)
    decisions = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=50))


class DecisionResultSchema(Schema):
    index = fields.Integer()
    uuid = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "created, duplicate, conflict or rejected"})
    code = fields.String()
    detail = fields.String()
    errors = fields.Dict()
    number = fields.String()
    document_uuid = fields.String()
    disposition_id = fields.Integer(allow_none=True)
    received_at = fields.DateTime()


class DecisionSyncOutSchema(Schema):
    server_time = fields.DateTime()
    device_clock_offset_ms = fields.Integer(allow_none=True)
    results = fields.List(fields.Nested(DecisionResultSchema))
