"""What leaves the evidence API: each listed item, what the record declared, what the server
learnt from the bytes, and the flags a reviewer should look at."""
from __future__ import annotations

from marshmallow import Schema, fields


class FlagSchema(Schema):
    code = fields.String(dump_only=True)
    detail = fields.String(dump_only=True, metadata={"description": "zh-CN, for the reviewer"})


class DeclaredSchema(Schema):
    """As the phone listed it at capture (device clock)."""

    sha256 = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    media_type = fields.String(dump_only=True)
    captured_at = fields.DateTime(dump_only=True)


class FileFactsSchema(Schema):
    """As the server found the received bytes."""

    sha256 = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    media_type = fields.String(dump_only=True, metadata={"description": "sniffed from the bytes"})
    kind = fields.String(dump_only=True, metadata={"description": "photo, audio or video"})
    filename = fields.String(dump_only=True, allow_none=True)
    stored_at = fields.DateTime(dump_only=True)
    width = fields.Integer(dump_only=True, allow_none=True)
    height = fields.Integer(dump_only=True, allow_none=True)
    orientation = fields.Integer(dump_only=True, allow_none=True)
    duration_s = fields.Float(dump_only=True, allow_none=True)
    codec = fields.String(dump_only=True, allow_none=True)
    exif_taken_at = fields.DateTime(dump_only=True, allow_none=True)
    exif_offset = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "offset the camera wrote; null: none, Asia/Shanghai assumed"})
    gps_latitude = fields.Float(dump_only=True, allow_none=True)
    gps_longitude = fields.Float(dump_only=True, allow_none=True)
    device_make = fields.String(dump_only=True, allow_none=True)
    device_model = fields.String(dump_only=True, allow_none=True)
    flags = fields.List(fields.Nested(FlagSchema), dump_only=True)


class LinksSchema(Schema):
    original = fields.String(dump_only=True, allow_none=True)
    thumbnail = fields.String(dump_only=True, allow_none=True)
    preview = fields.String(dump_only=True, allow_none=True)


class EvidenceSchema(Schema):
    uuid = fields.UUID(dump_only=True)
    inspection_uuid = fields.UUID(dump_only=True)
    item_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "received or missing"})
    received_at = fields.DateTime(dump_only=True, allow_none=True)
    declared = fields.Nested(DeclaredSchema, dump_only=True)
    file = fields.Nested(FileFactsSchema, dump_only=True, allow_none=True)
    links = fields.Nested(LinksSchema, dump_only=True)


class EvidenceListSchema(Schema):
    inspection_uuid = fields.UUID(dump_only=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), dump_only=True)


class DownloadArgsSchema(Schema):
    download = fields.Boolean(load_default=False, metadata={
        "description": "true: Content-Disposition attachment (save), else inline (view)"})


class FlagRulesSchema(Schema):
    """The tolerances behind the reviewer's flags, so that the phone warns with the same numbers."""

    clock_tolerance_minutes = fields.Integer(dump_only=True, metadata={
        "description": "EXIF time vs. capture time, or capture before the inspection's start"})
    place_tolerance_m = fields.Integer(dump_only=True, metadata={
        "description": "photo GPS vs. the inspection's place, in metres"})
    late_minutes = fields.Integer(dump_only=True, metadata={
        "description": "capture after the inspection's end"})
