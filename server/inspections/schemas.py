"""What may enter and leave the inspections and sync API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import INT32_MAX, StrictSchema, aware_datetime, bounded_date, bounded_int
from .models import STATUSES, SUBJECT_KINDS

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="应为 64 位小写十六进制 SHA-256 值。")
MEDIA_TYPE = validate.Regexp(r"^(image|audio|video)/[a-z0-9.+-]{1,60}(;.{0,100})?$",
                             error="应为图片、音频或视频的媒体类型（如 image/jpeg）。")


class SubjectSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "Plate, ship name, business name or person"})
    code = fields.String(allow_none=True, validate=validate.Length(max=64),
                         metadata={"description": "Unified social credit code or licence number"})
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


class PlaceSchema(StrictSchema):
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(allow_none=True, validate=validate.Range(0, 100000))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))

    @validates_schema
    def _both_or_neither(self, data, **kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("经纬度须同时填写。", "longitude")


class EvidenceInSchema(StrictSchema):
    uuid = fields.UUID(required=True)
    item_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sha256 = fields.String(required=True, validate=SHA256)
    size = bounded_int(1, 2**40, required=True, strict=True)
    media_type = fields.String(required=True, validate=MEDIA_TYPE)
    captured_at = aware_datetime(required=True)


class RecordSchema(StrictSchema):
    """One inspection as the phone sends it."""

    uuid = fields.UUID(required=True, metadata={"description": "Client-generated; the idempotency key"})
    form_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    form_version = bounded_int(1, INT32_MAX, required=True, strict=True)
    officers = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                           validate=validate.Length(min=2, max=10, error="至少两名执法人员参加检查。"),
                           metadata={"description": "Usernames; the submitting officer among them"})
    subject = fields.Nested(SubjectSchema, required=True)
    place = fields.Nested(PlaceSchema, required=True)
    started_at = aware_datetime(required=True)
    finished_at = aware_datetime(required=True)
    # Keys and values are checked against the form version (server/forms/validation.py).
    answers = fields.Dict(required=True)
    evidence = fields.List(fields.Nested(EvidenceInSchema), load_default=list,
                           validate=validate.Length(max=500))
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    app_version = fields.String(required=True, validate=validate.Length(min=1, max=40))
    replaces = fields.UUID(allow_none=True, metadata={"description": "The returned revision this amends"})
    amendment_reason = fields.String(allow_none=True, validate=validate.Length(min=1, max=2000))
    # The directory's target inspected (server/targets/), and why it is inspected again within
    # the revisit window (防止执法扰民); records that name no target sync as before.
    target_id = bounded_int(1, INT32_MAX, allow_none=True, strict=True, metadata={
        "description": "The target (GET /api/targets/recent) this inspection is of"})
    revisit_reason = fields.String(allow_none=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "Required when the target was inspected within the window"})

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("started_at") and data.get("finished_at") and data["finished_at"] < data["started_at"]:
            raise ValidationError("结束时间不能早于开始时间。", "finished_at")
        if data.get("replaces") and not data.get("amendment_reason"):
            raise ValidationError("更正记录须说明更正理由。", "amendment_reason")
        if data.get("amendment_reason") and not data.get("replaces"):
            raise ValidationError("只有更正记录才填写更正理由。", "amendment_reason")
        if data.get("revisit_reason") and not data.get("target_id"):
            raise ValidationError("只有指明检查对象的记录才填写再次检查理由。", "revisit_reason")


class SyncRequestSchema(StrictSchema):
    device_time = aware_datetime(allow_none=True, metadata={
        "description": "The device's clock when it sent the batch; gives the clock offset"})
    # Records are validated one by one, so that one bad record does not fail the batch.
    records = fields.List(fields.Raw(), required=True)


class SyncResultSchema(Schema):
    uuid = fields.String(allow_none=True)
    index = fields.Integer()
    result = fields.String(metadata={"description": "created, duplicate, conflict or rejected"})
    status = fields.String(metadata={"description": "The record's state on the server"})
    received_at = fields.DateTime()
    revision = fields.Integer()
    missing_evidence = fields.List(fields.String())
    code = fields.String(metadata={"description": "Conflict or rejected: a per-record code of the "
                                                  "error catalog (ErrorCode, GET /api/errors)"})
    detail = fields.String()
    errors = fields.Raw()
    # sync.amendment_superseded: the newest revision of the record the amendment meant to replace.
    latest_uuid = fields.String()
    latest_revision = fields.Integer()


class SyncResponseSchema(Schema):
    server_time = fields.DateTime()
    device_clock_offset_ms = fields.Integer(allow_none=True)
    results = fields.List(fields.Nested(SyncResultSchema))


class SyncStatusQuerySchema(StrictSchema):
    since = aware_datetime(metadata={"description": "Records received since this time"})
    # The UUIDs travel in the request line, which gunicorn caps at 4094 bytes: 96 fit, 90 leave room.
    uuid = fields.List(fields.UUID(), validate=validate.Length(max=90))
    device_id = fields.String(validate=validate.Length(max=100))


class OfficerOutSchema(Schema):
    username = fields.String(attribute="user.username")
    display_name = fields.String(attribute="user.display_name")
    team = fields.String(attribute="user.team.code", allow_none=True)
    certificate_number = fields.String()


class EvidenceOutSchema(Schema):
    uuid = fields.String()
    item_id = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    captured_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)


class InspectionSummarySchema(Schema):
    uuid = fields.String()
    root_uuid = fields.String()
    revision = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUSES))
    form_id = fields.String()
    form_version = fields.Integer()
    team = fields.Function(lambda i: i.team.code if i.team else None)
    subject = fields.Function(lambda i: {"kind": i.subject_kind, "name": i.subject_name,
                                         "code": i.subject_code})
    officers = fields.List(fields.Nested(OfficerOutSchema))
    started_at = fields.DateTime()
    finished_at = fields.DateTime()
    received_at = fields.DateTime()
    evidence_expected = fields.Integer()
    evidence_received = fields.Integer()


class InspectionSchema(InspectionSummarySchema):
    replaces_uuid = fields.String(allow_none=True)
    amendment_reason = fields.String(allow_none=True)
    subject = fields.Function(lambda i: {"kind": i.subject_kind, "name": i.subject_name,
                                         "code": i.subject_code, "description": i.subject_description})
    place = fields.Function(lambda i: {"latitude": i.place_latitude, "longitude": i.place_longitude,
                                       "accuracy_m": i.place_accuracy_m, "address": i.place_address})
    answers = fields.Dict()
    computed = fields.Dict()
    evidence = fields.List(fields.Nested(EvidenceOutSchema), attribute="evidence_files")
    missing_evidence = fields.List(fields.String())
    device_id = fields.String()
    app_version = fields.String()
    # Set by the review (server/review/): why it was returned, overall and {item id: comment}.
    return_comment = fields.String(allow_none=True)
    return_item_comments = fields.Dict(allow_none=True)
    failed_checks = fields.Integer()
    legal_review_requested_at = fields.DateTime(allow_none=True)
    legal_review_due_at = fields.DateTime(allow_none=True)
    major_decision_reason = fields.String(allow_none=True)
    legal_opinion = fields.String(allow_none=True)
    device_clock_offset_ms = fields.Integer(allow_none=True)
    content_hash = fields.String()
    submitted_by = fields.String(attribute="submitted_by.username")
    revisions = fields.List(fields.Nested(lambda: RevisionSchema()), attribute="revisions")


class RevisionSchema(Schema):
    uuid = fields.String()
    revision = fields.Integer()
    status = fields.String()
    received_at = fields.DateTime()


class InspectionListQuerySchema(StrictSchema):
    date_from = bounded_date(data_key="from")
    date_to = bounded_date(data_key="to")
    officer = fields.String(validate=validate.Length(max=64),
                            metadata={"description": "Username of an officer who took part; `me`: the user asking"})
    team = fields.String(validate=validate.Length(max=32))
    form = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(validate=validate.Length(min=1, max=100),
                      metadata={"description": "Text in the subject (plate, ship, business, code)"})
    incomplete = fields.Boolean()
    latest = fields.Boolean(metadata={"description": "Only revisions no amendment has replaced"})
    limit = bounded_int(1, 200, load_default=50)
    cursor = fields.String(validate=validate.Length(max=200))


class InspectionListItemSchema(InspectionSummarySchema):
    replaced_by = fields.String(allow_none=True, metadata={
        "description": "UUID of the amendment that replaced this revision (a phone shows it 已更正)"})


class InspectionPageSchema(Schema):
    items = fields.List(fields.Nested(InspectionListItemSchema))
    next_cursor = fields.String(allow_none=True)
