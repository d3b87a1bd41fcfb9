"""What may enter and leave the archive API."""
from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as f

from ..schemas import StrictSchema, bounded_int
from .models import CATEGORIES, KINDS, RETENTIONS


class ArchiveQuerySchema(StrictSchema):
    year = bounded_int(2000, 2100)
    category = f.String(validate=validate.OneOf(CATEGORIES),
                        metadata={"description": "inspection (行政检查) or case (行政处罚案件)"})
    party = f.String(validate=validate.Length(min=1, max=100), metadata={"description": "contains"})
    retention = f.String(validate=validate.OneOf(RETENTIONS))
    kind = f.String(validate=validate.OneOf(KINDS))


class FactSchema(StrictSchema):
    text = f.String(required=True, validate=validate.Length(min=1, max=4000),
                    metadata={"description": "e.g. 法院判决：维持原处罚决定"})
    document_uuid = f.UUID(metadata={"description": "A document that records it, if any"})


class TransferSchema(StrictSchema):
    letter_uuid = f.UUID(required=True, metadata={"description": "The sealed 案件移送函"})


class ArchiveFactOutSchema(Schema):
    text = f.String()
    document_uuid = f.UUID(allow_none=True)
    added_at = f.AwareDateTime()


class ArchiveSchema(Schema):
    uuid = f.UUID(dump_only=True)
    archive_no = f.String(dump_only=True, metadata={"description": "档号"})
    kind = f.String(dump_only=True)
    category = f.String(dump_only=True)
    subject_type = f.String(dump_only=True)
    subject_id = f.String(dump_only=True)
    inspection_uuid = f.UUID(dump_only=True)
    year = f.Integer(dump_only=True)
    title = f.String(dump_only=True)
    party = f.String(dump_only=True, allow_none=True)
    retention = f.String(dump_only=True, metadata={"description": "保管期限"})
    transfer_letter_uuid = f.UUID(dump_only=True, allow_none=True)
    package_sha256 = f.String(dump_only=True)
    package_size = f.Integer(dump_only=True)
    created_at = f.AwareDateTime(dump_only=True)
    facts = f.List(f.Nested(ArchiveFactOutSchema), dump_only=True)
