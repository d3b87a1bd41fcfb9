"""What may enter and leave the plans and tasks API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import StrictSchema, bounded_date, bounded_int
from ..targets.models import CATEGORIES, CREDIT_CLASSES
from ..targets.schemas import HistoryItemSchema
from .models import PLAN_STATUSES

TEXT = validate.Length(min=1, max=200)
SHARE = validate.Regexp(r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$", error="比例为 0 到 1 之间的小数，如 0.05。")


class ClassRuleSchema(StrictSchema):
    share = fields.String(validate=SHARE)
    count = bounded_int(0, 100_000)

    @validates_schema
    def _one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("每个信用等级填写比例（share）或数量（count）之一。")


class PlanCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=TEXT)
    form_id = fields.String(required=True, validate=validate.Length(min=1, max=48))
    supervision_items = fields.List(fields.String(validate=validate.Length(max=48)),
                                    validate=validate.Length(max=50))
    categories = fields.List(fields.String(validate=validate.OneOf(list(CATEGORIES))),
                             required=True, validate=validate.Length(min=1, max=len(CATEGORIES)))
    area_code = fields.String(validate=validate.Regexp(r"^\d{2,12}$"), allow_none=True)
    classes = fields.Dict(keys=fields.String(validate=validate.OneOf(list(CREDIT_CLASSES))),
                          values=fields.Nested(ClassRuleSchema))
    exclusion_days = bounded_int(0, 3650)
    period_start = bounded_date(required=True)
    period_end = bounded_date(required=True)
    own_team_only = fields.Boolean(load_default=False)

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("period_end") and data.get("period_start") and data["period_end"] < data["period_start"]:
            raise ValidationError("结束日期不能早于开始日期。", "period_end")


class ExpectingSchema(StrictSchema):
    expected_status = fields.String(required=True, validate=validate.OneOf(PLAN_STATUSES))


class DrawSchema(ExpectingSchema):
    witness_value = fields.String(required=True, validate=TEXT,
                                  metadata={"description": "见证人输入的公开值（如当期彩票开奖号码）"})


class CancelSchema(ExpectingSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PlanSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    form_id = fields.String()
    supervision_items = fields.List(fields.String())
    categories = fields.List(fields.String())
    area_code = fields.String(allow_none=True)
    rules = fields.Dict()
    exclusion_days = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.String()
    created_at = fields.AwareDateTime()
    approved_at = fields.AwareDateTime()
    committed_at = fields.AwareDateTime()
    seed_sha256 = fields.String()
    inputs_sha256 = fields.Dict()
    commitment_digest = fields.String()
    drawn_at = fields.AwareDateTime()
    witness_value = fields.String()
    result = fields.List(fields.Dict())
    cancelled_at = fields.AwareDateTime()
    cancel_reason = fields.String()


class TaskSchema(Schema):
    """A task: a draw task (`kind` draw) or, in the phone's list, a follow-up inspection after a
    correction order (`kind` follow_up, id `follow-up-<n>`, no plan; draws/follow_ups.py)."""
    id = fields.Function(lambda t: str(t.id))
    kind = fields.Function(lambda t: getattr(t, "kind", "draw"))
    plan_id = fields.Integer(allow_none=True)
    plan_title = fields.Function(lambda t: t.plan_title if hasattr(t, "plan_title") else t.plan.title)
    target_id = fields.Integer(metadata={"description": "The directory's target (a record names it)"})
    form_id = fields.String()
    subject = fields.Dict()
    officers = fields.Function(lambda t: t.officer_names if hasattr(t, "officer_names")
                               else [t.officer1.username, t.officer2.username])
    due_on = fields.Date()
    status = fields.String()
    overdue = fields.Function(lambda t: t.status == "open" and t.due_on < _today())
    inspection_uuid = fields.UUID(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    # The phone's list only (GET /api/tasks?assignee=me):
    completion_url = fields.String(metadata={"description": "Where the phone reports the inspection"})
    recent_inspections = fields.List(fields.Nested(HistoryItemSchema), metadata={
        "description": "Open tasks: the target's inspections within the revisit window (防止执法扰民); "
                       "when any, the record must carry `revisit_reason`"})
    earlier_inspection = fields.Dict(metadata={"description": "A follow-up: the inspection that found the problem"})
    suggested_revisit_reason = fields.String(metadata={"description": "A follow-up: the reason offered"})


def _today():
    from ..clock import local_today

    return local_today()


class TaskQuerySchema(StrictSchema):
    assignee = fields.String(validate=validate.OneOf(["me"]))
    overdue = fields.Boolean()


class CompletionSchema(StrictSchema):
    inspection_uuid = fields.UUID(required=True)


class PublicationDueSchema(Schema):
    """A result not yet public (一公开), with its 20-working-day limit (draws/publication.py)."""
    task_id = fields.Function(lambda d: str(d.task.id))
    plan_id = fields.Function(lambda d: d.task.plan_id)
    plan_title = fields.Function(lambda d: d.task.plan.title)
    subject = fields.Function(lambda d: d.task.subject)
    inspection_uuid = fields.Function(lambda d: str(d.task.inspection_uuid))
    inspected_on = fields.Date(metadata={"description": "The day the inspection was done (local)"})
    limit_on = fields.Date(allow_none=True, metadata={"description": "Last day to publish; null if not computable"})
    working_days_left = fields.Integer(allow_none=True, metadata={
        "description": "Negative: overdue by that many; null if the calendar cannot count them yet"})
    overdue = fields.Boolean(metadata={
        "description": "The limit has passed (even if the days since cannot be counted)"})
    state = fields.String(metadata={
        "description": "剩 N 个工作日 / 今天截止 / 已逾期 N 个工作日 / 已逾期 / 无法计算期限"})
    not_computable = fields.String(allow_none=True, metadata={
        "description": "Why the limit, or the working days overdue, cannot be counted: the calendar's message"})
