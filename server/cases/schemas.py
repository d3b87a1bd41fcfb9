"""What may enter and leave the dispositions and cases API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..review.schemas import ChecklistSchema
from ..schemas import StrictSchema, bounded_date, bounded_int
from .case_models import PARTY_KINDS, SERVICE_METHODS
from .models import KINDS, PENALTY_KINDS

TEXT = validate.Length(min=1, max=4000)


def _fen(minimum=1, **kwargs):
    return bounded_int(minimum, 10 ** 12, metadata={"description": "amount in fen (分)"}, **kwargs)


class DispositionInSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "correction 责令改正, simple 简易程序, case 立案, "
                                                  "no_penalty 不予处罚"})
    note = fields.String(allow_none=True, validate=TEXT)
    correction_due = bounded_date(allow_none=True)
    ground_code = fields.String(allow_none=True, validate=validate.Length(max=64))
    penalty_kind = fields.String(allow_none=True, validate=validate.OneOf(PENALTY_KINDS))
    penalty_fen = _fen(allow_none=True)
    party_kind = fields.String(allow_none=True, validate=validate.OneOf(PARTY_KINDS))


class VersionSchema(StrictSchema):
    expected_version = bounded_int(1, required=True)


class ConfirmSchema(VersionSchema):
    party_kind = fields.String(allow_none=True, validate=validate.OneOf(PARTY_KINDS))


class RejectSchema(VersionSchema):
    reason = fields.String(required=True, validate=TEXT)


class DispositionSchema(Schema):
    id = fields.Integer()
    inspection_uuid = fields.UUID()
    item_id = fields.String()
    violation_code = fields.String()
    kind = fields.String()
    status = fields.String()
    version = fields.Integer()
    proposed_by = fields.Function(lambda d: d.proposed_by.display_name)
    decided_by = fields.Function(lambda d: d.decided_by.display_name if d.decided_by else None)
    note = fields.String()
    correction_due = fields.Date()
    ground_code = fields.String()
    ground_text = fields.String()
    penalty_kind = fields.String()
    penalty_fen = fields.Integer()
    rejection_reason = fields.String()


class FollowUpTaskSchema(Schema):
    id = fields.Integer()
    inspection_uuid = fields.UUID()
    form_id = fields.String()
    subject_kind = fields.String()
    subject_name = fields.String()
    subject_code = fields.String()
    item_id = fields.String()
    due_on = fields.Date()
    status = fields.String()


class FindingSchema(Schema):
    inspection_uuid = fields.UUID()
    item_id = fields.String()
    label = fields.String()
    note = fields.String()
    violation = fields.Dict()
    subject_name = fields.String()
    team = fields.String()
    inspected_on = fields.Date()
    approved_on = fields.Date()
    age_days = fields.Integer()
    proposal = fields.Nested(DispositionSchema, allow_none=True)


# Each step's input, beside the version the actor saw and the day it happened (default today).
class StepSchema(VersionSchema):
    on = bounded_date(allow_none=True, metadata={"description": "the day of the act (local)"})


class ReasonStep(StepSchema):
    reason = fields.String(required=True, validate=TEXT)


class InterviewStep(StepSchema):
    interviewee = fields.String(required=True, validate=validate.Length(min=1, max=100))
    summary = fields.String(required=True, validate=TEXT,
                            metadata={"description": "问答记录, one question or answer a line"})
    # 询问笔录's own fields: without place and relation the step is refused, naming them.
    period = fields.String(allow_none=True, validate=validate.Length(max=100))
    place = fields.String(allow_none=True, validate=validate.Length(max=200))
    relation = fields.String(allow_none=True, validate=validate.Length(max=100),
                             metadata={"description": "与案件关系 (当事人, 驾驶员, 证人 …)"})
    interviewee_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    audio_evidence = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=20))


class LinkStep(StepSchema):
    inspection_uuid = fields.UUID(required=True)


class ExtendStep(StepSchema):
    days = bounded_int(1, 30, required=True)
    reason = fields.String(required=True, validate=TEXT)


class NotifyStep(StepSchema):
    proposed_fine_fen = _fen(0, required=True)
    party_kind = fields.String(allow_none=True, validate=validate.OneOf(PARTY_KINDS))
    facts = fields.String(required=True, validate=TEXT)
    major_decision = fields.Boolean(load_default=False)
    circumstances = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                                load_default=dict, validate=validate.Length(max=50),
                                metadata={"description": "the benchmark's circumstance facts "
                                                         "(first_offence, harm …); the form's "
                                                         "facts come from the inspection"})
    reason_outside_benchmark = fields.String(allow_none=True, validate=TEXT)


class StatementStep(StepSchema):
    statement = fields.String(required=True, validate=TEXT)
    waived = fields.Boolean(load_default=False)


class SummaryStep(StepSchema):
    summary = fields.String(allow_none=True, validate=TEXT)


class OpinionStep(StepSchema):
    opinion = fields.String(required=True, validate=validate.OneOf(("agree", "disagree", "more_evidence")))
    checklist = fields.Nested(ChecklistSchema, required=True)
    comment = fields.String(allow_none=True, validate=TEXT)


class DecideStep(StepSchema):
    fine_fen = _fen(0, required=True)
    party_present = fields.Boolean(required=True)
    reasoning = fields.String(required=True, validate=TEXT)
    statement_assessment = fields.String(allow_none=True, validate=TEXT, metadata={
        "description": "why the party's statements were or were not accepted (required once heard)"})


class ServeStep(StepSchema):
    method = fields.String(required=True, validate=validate.OneOf(SERVICE_METHODS))
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=100))
    receipt = fields.String(required=True, validate=TEXT,
                            metadata={"description": "送达回证: who signed, when, or why not"})
    place = fields.String(allow_none=True, validate=validate.Length(max=200),
                          metadata={"description": "送达地点 (required by the 送达回证)"})


class TransferLetterIn(StrictSchema):
    receiving_authority = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(required=True, validate=TEXT)
    contact = fields.String(required=True, validate=validate.Length(min=1, max=200))
    facts = fields.String(allow_none=True, validate=TEXT)
    attachments = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                              validate=validate.Length(max=100))


class PaymentIn(VersionSchema):
    amount_fen = _fen(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    paid_on = bounded_date(required=True)


class PlatformNoticeSchema(StrictSchema):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount_fen = _fen(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    paid_on = bounded_date(required=True)


STEP_SCHEMAS = {
    "approve_opening": StepSchema, "reject_opening": ReasonStep, "add_interview": InterviewStep,
    "link_evidence": LinkStep, "extend": ExtendStep, "notify": NotifyStep,
    "record_statement": StatementStep, "request_hearing": StepSchema,
    "record_hearing": SummaryStep, "send_to_legal_review": ReasonStep,
    "legal_opinion": OpinionStep, "decide": DecideStep, "serve": ServeStep, "close": SummaryStep,
}


class CaseDeadlineSchema(Schema):
    key = fields.String()
    label = fields.String()
    basis = fields.String()
    unit = fields.String()
    due = fields.Date(allow_none=True)
    met_on = fields.Date(allow_none=True)
    state = fields.String()
    error = fields.Dict(allow_none=True)


class StepOutSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    label = fields.String()
    actor = fields.String()
    acted_at = fields.DateTime()
    from_status = fields.String()
    to_status = fields.String()
    details = fields.Dict()


class CaseSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    status_label = fields.String()
    party_name = fields.String()
    violation_title = fields.String()
    opened_on = fields.Date()
    version = fields.Integer()


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    status_label = fields.String()
    version = fields.Integer()
    party_name = fields.String()
    party_kind = fields.String()
    violation_code = fields.String()
    violation_title = fields.String()
    inspection_uuid = fields.UUID()
    item_id = fields.String()
    opened_on = fields.Date()
    extension_days = fields.Integer()
    notified_on = fields.Date()
    proposed_fine_fen = fields.Integer()
    hearing_eligible = fields.Boolean()
    hearing_requested = fields.Boolean()
    hearing_held = fields.Boolean()
    statement_recorded = fields.Boolean()
    major_decision = fields.Boolean()
    legal_opinion = fields.String()
    decided_on = fields.Date()
    fine_fen = fields.Integer()
    party_present = fields.Boolean()
    served_on = fields.Date()
    service_method = fields.String()
    paid_fen = fields.Integer()
    owed_fen = fields.Integer()
    late_fee_fen = fields.Integer()
    closed_on = fields.Date()
    deadlines = fields.List(fields.Nested(CaseDeadlineSchema))
    steps = fields.List(fields.Nested(StepOutSchema))
    documents = fields.List(fields.Dict(), metadata={
        "description": "issued documents: number, state (待签章/已签章/签章失败), download once sealed"})
    archive = fields.Dict(allow_none=True, metadata={"description": "a closed case's archive package"})
    allowed = fields.Dict()


class CaseWarningSchema(CaseDeadlineSchema):
    """A case deadline near or past (GET /api/cases/warnings)."""

    case_id = fields.Integer()
    number = fields.String()
    party_name = fields.String()
    status = fields.String()


class RatesQuery(StrictSchema):
    start = bounded_date(required=True, data_key="from")
    end = bounded_date(required=True, data_key="to")
    group_by = fields.String(load_default=None, validate=validate.OneOf(("team", "officer")))


class RateSchema(Schema):
    group = fields.Raw()
    label = fields.String()
    findings = fields.Integer()
    handled = fields.Integer()
    opened = fields.Integer()
    closed = fields.Integer()
    handling_rate = fields.Float(allow_none=True)
    closing_rate = fields.Float(allow_none=True)
