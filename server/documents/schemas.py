"""What may enter and leave the documents API."""
from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as f

from ..schemas import StrictSchema
from .models import STATE_LABELS

TYPE_CODE = validate.Regexp(r"^[a-z][a-z_]{0,39}$")


class IssueDocumentSchema(StrictSchema):
    type = f.String(required=True, validate=TYPE_CODE,
                         metadata={"description": "A document type's code (GET /api/documents/types)"})
    fields = f.Dict(keys=f.String(validate=validate.Length(max=60)), values=f.Raw(),
                         required=True, validate=validate.Length(max=100),
                         metadata={"description": "{field name: text, or a list of lines}"})
    inspection_uuid = f.UUID(metadata={"description": "The inspection it is about, if any"})


class FieldSchema(Schema):
    name = f.String()
    label = f.String()
    kind = f.String()
    required = f.Boolean()


class DocumentTypeSchema(Schema):
    code = f.String()
    title = f.String()
    abbrev = f.String()
    retention = f.String()
    fields = f.List(f.Nested(FieldSchema))


class DocumentSchema(Schema):
    uuid = f.UUID(dump_only=True)
    type = f.String(attribute="doc_type", dump_only=True)
    number = f.String(dump_only=True, metadata={"description": "e.g. 海盐交罚〔2026〕第 12 号"})
    subject_type = f.String(dump_only=True, allow_none=True)
    subject_id = f.String(dump_only=True, allow_none=True)
    party = f.String(dump_only=True, allow_none=True)
    fields = f.Dict(dump_only=True)
    issued_at = f.AwareDateTime(dump_only=True)
    state = f.String(dump_only=True, validate=validate.OneOf(list(STATE_LABELS)),
                          metadata={"description": "pending (待签章), signed (已签章), failed (签章失败)"})
    state_label = f.String(dump_only=True)
    sign_error = f.String(dump_only=True, allow_none=True)
    pdf_sha256 = f.String(dump_only=True, allow_none=True,
                               metadata={"description": "SHA-256 of the PDF/A before the seal"})
    signed_sha256 = f.String(dump_only=True, allow_none=True,
                                  metadata={"description": "SHA-256 of the sealed PDF served"})
    signed_at = f.AwareDateTime(dump_only=True, allow_none=True)
