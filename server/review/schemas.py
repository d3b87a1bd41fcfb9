"""What may enter and leave the review API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..inspections.models import LEGAL_OPINIONS, STATUSES
from ..inspections.schemas import InspectionSummarySchema
from ..schemas import StrictSchema, bounded_date, bounded_int
from . import items
from .models import ACTION_LABELS, ACTIONS, CHECKLIST

COMMENT = validate.Length(min=1, max=4000)


class ExpectingSchema(StrictSchema):
    """Every action names the status the reviewer saw; another status now answers 409."""

    expected_status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class ApproveSchema(ExpectingSchema):
    comment = fields.String(allow_none=True, validate=COMMENT)


class ReturnSchema(ExpectingSchema):
    comment = fields.String(required=True, validate=COMMENT,
                            metadata={"description": "退回意见, shown to the officers"})
    item_comments = fields.Dict(keys=fields.String(validate=validate.Length(max=100)),
                                values=fields.String(validate=validate.Length(max=2000)),
                                load_default=dict, validate=validate.Length(max=200),
                                metadata={"description": "{item id: comment}"})


class LegalReviewSchema(ExpectingSchema):
    reason = fields.String(required=True, validate=COMMENT,
                           metadata={"description": "Why this is a major decision (重大执法决定)"})


# The statutory points, each true once the reviewer confirmed it.
ChecklistSchema = type("ChecklistSchema", (StrictSchema,),
                       {point: fields.Boolean(load_default=False, metadata={"description": label})
                        for point, label in CHECKLIST.items()})


class LegalOpinionSchema(ExpectingSchema):
    opinion = fields.String(required=True, validate=validate.OneOf(LEGAL_OPINIONS),
                            metadata={"description": "agree 同意, disagree 不同意, more_evidence 补充材料"})
    checklist = fields.Nested(ChecklistSchema, required=True)
    comment = fields.String(allow_none=True, validate=COMMENT)


class QueueQuerySchema(StrictSchema):
    date_from = bounded_date(data_key="from")
    date_to = bounded_date(data_key="to")
    officer = fields.String(validate=validate.Length(max=64))
    form = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(STATUSES))
    findings = fields.Boolean(metadata={"description": "only records with a check answered 不符合"})
    flagged = fields.Boolean(metadata={"description": "only records with flagged evidence"})
    incomplete = fields.Boolean()
    limit = bounded_int(1, 200, load_default=50)
    cursor = fields.String(validate=validate.Length(max=200))


class QueueItemSchema(InspectionSummarySchema):
    """A queue row: the revision's summary, with counts of the files this revision lists."""

    failed_checks = fields.Integer()
    legal_review_due_at = fields.DateTime(allow_none=True)
    legal_opinion = fields.String(allow_none=True)
    form_title = fields.Function(lambda row: items.form_title(row.inspection),
                                 metadata={"type": "string", "description": "the form version's title"})
    flagged_evidence = fields.Integer(metadata={
        "description": "files this revision lists that carry reviewer flags"})
    evidence_expected = fields.Integer(attribute="evidence_listed", metadata={
        "description": "files this revision lists (its own and those carried over)"})
    evidence_received = fields.Integer(attribute="evidence_listed_received", metadata={
        "description": "of those, the files the server has received"})


class QueuePageSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    next_cursor = fields.String(allow_none=True)


class ActionOutSchema(Schema):
    id = fields.Integer()
    inspection_uuid = fields.String()
    action = fields.String(validate=validate.OneOf(ACTIONS))
    label = fields.Function(lambda a: ACTION_LABELS[a.action],
                            metadata={"type": "string", "description": "the action in words"})
    actor = fields.Function(lambda a: {"username": a.actor.username, "display_name": a.actor.display_name})
    acted_at = fields.DateTime()
    from_status = fields.String()
    to_status = fields.String()
    comment = fields.String(allow_none=True)
    item_comments = fields.Dict(allow_none=True)
    opinion = fields.String(allow_none=True)
    checklist = fields.Dict(allow_none=True)
    audit_seq = fields.Integer()


class ReviewStateSchema(Schema):
    uuid = fields.String()
    root_uuid = fields.String()
    revision = fields.Integer()
    status = fields.String()
    latest = fields.Boolean(metadata={"description": "false: a newer revision exists"})
    form_title = fields.String()
    failed_checks = fields.Integer()
    allowed = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), metadata={
        "description": "{action: null if I may take it now, else the error code saying why not}"})
    legal_review = fields.Dict(allow_none=True)
    return_comment = fields.String(allow_none=True)
    return_item_comments = fields.Dict(allow_none=True)
    actions = fields.List(fields.Nested(ActionOutSchema))
    checklist_points = fields.Dict(keys=fields.String(), values=fields.String())
    items = fields.List(fields.Dict())
    legal_basis = fields.List(fields.Dict())
    events = fields.List(fields.Dict())
    evidence = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "{evidence UUID: {item (label), kind, kind_label, number, flags [{code, text}]}}"
                       " for every file any revision lists"})
    flag_summary = fields.List(fields.Dict(), metadata={
        "description": "the flags of the files this revision lists, in words"})
    changes = fields.Dict(allow_none=True, metadata={
        "description": "an amendment: what changed from the revision it replaces (answers, evidence)"})
