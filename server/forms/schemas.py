"""What the forms API sends: summaries, whole forms (the file format plus its hash), supervision items."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .definition import FormSchema


class FormSummarySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    domain = fields.String()
    subject_kind = fields.String()
    hash = fields.String(attribute="content_hash", metadata={"description": "SHA-256 of the form content"})
    current = fields.Boolean(metadata={"description": "The highest version of this form: use it for new inspections"})


class FormOutSchema(FormSchema):
    """A whole form version, as in its file (includes expanded, defaults filled in)."""

    hash = fields.String(metadata={"description": "SHA-256 of the form content (immutable per version)"})


class SupervisionQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]),
                           metadata={"description": "csv: UTF-8 with BOM, for Excel"})


class SupervisionItemSchema(Schema):
    domain = fields.String()
    domain_label = fields.String()
    form_id = fields.String()
    form_version = fields.Integer()
    form_title = fields.String()
    item_id = fields.String()
    item_label = fields.String()
    violation_code = fields.String()
    violation_title = fields.String()
    breached = fields.String(metadata={"description": "Law and article breached"})
    breached_excerpt = fields.String()
    penalty = fields.String(metadata={"description": "Law and article setting the penalty"})
    penalty_excerpt = fields.String()
