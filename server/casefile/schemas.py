"""What leaves the case-file API: the trail (its shape is what a supervisor's timeline reads)."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..evidence.schemas import DeclaredSchema, FileFactsSchema
from ..inspections.schemas import OfficerOutSchema

DEVICE = "device clock (the phone's)"
SERVER = "server clock"


def _time(description: str, **kw):
    return fields.DateTime(dump_only=True, allow_none=True, metadata={"description": description}, **kw)


class TrailRevisionSchema(Schema):
    """One submitted revision: when the phone says it happened, and when the server got it."""

    uuid = fields.String(dump_only=True)
    revision = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    replaces_uuid = fields.String(dump_only=True, allow_none=True)
    amendment_reason = fields.String(dump_only=True, allow_none=True)
    submitted_by = fields.String(dump_only=True)
    officers = fields.List(fields.Nested(OfficerOutSchema), dump_only=True)
    device_id = fields.String(dump_only=True)
    app_version = fields.String(dump_only=True)
    content_hash = fields.String(dump_only=True, metadata={"description": "SHA-256 of the record as sent"})
    started_at = _time(DEVICE)
    finished_at = _time(DEVICE)
    received_at = _time(SERVER)
    device_clock_offset_ms = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "device clock minus server clock at sync, in ms (null: the device did not say)"})
    started_at_server_clock = _time("started_at corrected by the offset (null: no offset)")
    finished_at_server_clock = _time("finished_at corrected by the offset (null: no offset)")


class TrailEvidenceSchema(Schema):
    """One evidence item of any revision: as declared on the phone, and as the server found it."""

    uuid = fields.String(dump_only=True)
    revision_uuid = fields.String(dump_only=True, metadata={"description": "revision that first listed it"})
    listed_in = fields.List(fields.String(), dump_only=True, metadata={
        "description": "revisions listing it (an amendment carries files over)"})
    item_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "received or missing"})
    declared = fields.Nested(DeclaredSchema, dump_only=True)
    captured_at_server_clock = _time("declared captured_at corrected by the revision's offset")
    received_at = _time(SERVER)
    file = fields.Nested(FileFactsSchema, dump_only=True, allow_none=True, metadata={
        "description": "facts of the stored bytes: hash, size, sniffed type, EXIF time and GPS, flags"})


class TrailEventSchema(Schema):
    """One audit entry: the fields its leaf hash covers, context, and its inclusion proof."""

    seq = fields.Integer(dump_only=True, metadata={"description": "hashed; position in the log"})
    recorded_at = fields.String(dump_only=True, metadata={
        "description": "hashed; server clock, ISO 8601 exactly as hashed"})
    actor_id = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "hashed"})
    actor_username = fields.String(dump_only=True, allow_none=True, metadata={"description": "hashed"})
    action = fields.String(dump_only=True, metadata={"description": "hashed, e.g. inspection.submitted"})
    object_type = fields.String(dump_only=True, allow_none=True, metadata={"description": "hashed"})
    object_id = fields.String(dump_only=True, allow_none=True, metadata={"description": "hashed"})
    client_address = fields.String(dump_only=True, allow_none=True, metadata={"description": "hashed"})
    details = fields.Dict(dump_only=True, metadata={"description": "hashed"})
    actor_display_name = fields.String(dump_only=True, allow_none=True)
    revision_uuid = fields.String(dump_only=True, allow_none=True)
    evidence_uuid = fields.String(dump_only=True, allow_none=True)
    device_time = _time(DEVICE + ": finished_at of a submission, captured_at of evidence")
    device_time_source = fields.String(dump_only=True, allow_none=True,
                                       metadata={"description": "finished_at, captured_at or null"})
    clock_offset_ms = fields.Integer(dump_only=True, allow_none=True,
                                     metadata={"description": "the revision's device clock offset"})
    device_time_on_server_clock = _time("device_time corrected by the offset")
    entry_hash = fields.String(dump_only=True, metadata={
        "description": "RFC 6962 leaf hash (hex): SHA-256(0x00 ‖ canonical JSON of the hashed fields)"})
    leaf_index = fields.Integer(dump_only=True, metadata={"description": "seq − 1"})
    inclusion_proof = fields.List(fields.String(), dump_only=True, metadata={
        "description": "RFC 6962 audit path (hex) against `checkpoint`"})


class TrailCheckpointSchema(Schema):
    """The signed checkpoint every proof refers to; its Ed25519 signature covers `signed_text`."""

    tree_size = fields.Integer(dump_only=True)
    root_hash = fields.String(dump_only=True)
    signed_at = fields.DateTime(dump_only=True)
    key_id = fields.String(dump_only=True, metadata={"description": "compare with /api/audit/key"})
    signature = fields.String(dump_only=True)
    signed_text = fields.String(dump_only=True)


class TrailSchema(Schema):
    inspection_uuid = fields.String(dump_only=True)
    root_uuid = fields.String(dump_only=True)
    revisions = fields.List(fields.Nested(TrailRevisionSchema), dump_only=True)
    evidence = fields.List(fields.Nested(TrailEvidenceSchema), dump_only=True)
    events = fields.List(fields.Nested(TrailEventSchema), dump_only=True, metadata={
        "description": "in log order, across all revisions and their evidence"})
    checkpoint = fields.Nested(TrailCheckpointSchema, dump_only=True)
