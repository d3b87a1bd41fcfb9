"""Dispositions and cases API: pending findings, dispositions, case steps, documents, payments,
warnings and rates. Views are thin: load, call one service, dump."""
from __future__ import annotations

from flask import Response, current_app, g, request
from marshmallow import ValidationError

from ..accounts import auth
from ..clock import local_today
from ..database import WRITER, db_mode
from ..documents.service import export_sealed_document
from ..errors import ApiError, translate_field_messages
from ..extensions import db
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint, loads_strict
from . import dispositions, documents, grounds, monitor, payments, steps
from .case_view import case_view, get_visible_case, list_cases
from .findings import pending_findings
from .models import Disposition
from .schemas import (
    STEP_SCHEMAS,
    CaseSchema,
    CaseSummarySchema,
    CaseWarningSchema,
    ConfirmSchema,
    DispositionInSchema,
    DispositionSchema,
    FindingSchema,
    FollowUpTaskSchema,
    PaymentIn,
    PlatformNoticeSchema,
    RateSchema,
    RatesQuery,
    RejectSchema,
    TransferLetterIn,
)

blp = Blueprint("cases", __name__, url_prefix="/api",
                description="Dispositions of findings, general-procedure cases, payments, rates")


@blp.route("/findings/pending", methods=["GET"])
@blp.response(200, FindingSchema(many=True))
@auth.roles_required("supervisor", "admin")
def findings_pending():
    """Findings (不符合 items of approved inspections) without a confirmed disposition, oldest first."""
    return pending_findings(g.user)


@blp.route("/follow-up-tasks", methods=["GET"])
@blp.response(200, FollowUpTaskSchema(many=True))
@auth.login_required
def follow_up_tasks():
    """Open follow-up inspections (复查) my team owes after a correction order, soonest due first."""
    return dispositions.open_follow_up_tasks(g.user)


@blp.route("/dispositions/grounds", methods=["GET"])
@blp.response(200)
@auth.login_required
def no_penalty_grounds():
    """The legal grounds for 不予处罚, from the current no-penalty list (discretion/, versioned)."""
    return {"grounds": list(grounds.list_grounds())}


@blp.route("/inspections/<uuid:inspection_uuid>/findings/<item_id>/disposition", methods=["POST"])
@blp.arguments(DispositionInSchema)
@blp.response(201, DispositionSchema)
@auth.login_required
def dispose(data, inspection_uuid, item_id):
    """Propose (officer of the inspection) or decide (the team's supervisor) a disposition."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    return dispositions.propose_disposition(g.user, inspection, item_id, data)


def _disposition(disposition_id: int) -> Disposition:
    row = db.session.get(Disposition, disposition_id)
    if row is None:
        raise ApiError("request.not_found")
    get_visible_inspection(g.user, row.inspection_uuid)
    return row


@blp.route("/dispositions/<id:disposition_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmSchema)
@blp.response(200, DispositionSchema)
@auth.roles_required("supervisor")
def confirm(data, disposition_id):
    """The supervisor confirms the officers' proposal."""
    row = _disposition(disposition_id)
    return dispositions.confirm_disposition(g.user, row, data.pop("expected_version"), data)


@blp.route("/dispositions/<id:disposition_id>/reject", methods=["POST"])
@blp.arguments(RejectSchema)
@blp.response(200, DispositionSchema)
@auth.roles_required("supervisor")
def reject(data, disposition_id):
    """The supervisor rejects the proposal, with the reason."""
    row = _disposition(disposition_id)
    return dispositions.reject_disposition(g.user, row, data["expected_version"], data["reason"])


@blp.route("/cases", methods=["GET"])
@blp.response(200, CaseSummarySchema(many=True))
@auth.login_required
def cases():
    """The cases I may see, newest first."""
    from .case_models import STATUS_LABELS

    return [{**{c: getattr(x, c) for c in ("id", "number", "status", "party_name", "violation_title",
                                           "opened_on", "version")},
             "status_label": STATUS_LABELS[x.status]} for x in list_cases(g.user)]


@blp.route("/cases/<id:case_id>", methods=["GET"])
@blp.response(200, CaseSchema)
@auth.login_required
def show_case(case_id):
    """One case: facts, deadlines, steps, documents, and what I may do now."""
    return case_view(g.user, get_visible_case(g.user, case_id))


@blp.route("/cases/<id:case_id>/steps/<action>", methods=["POST"])
@blp.response(200, CaseSchema)
@auth.login_required
def take_step(case_id, action):
    """Take one step of the general procedure (the body depends on the step; see the schemas)."""
    schema = STEP_SCHEMAS.get(action)
    if schema is None:
        raise ApiError("request.not_found", "没有该办案环节。")
    data = _load(schema, request.get_data())
    case = get_visible_case(g.user, case_id)
    steps.take_step(g.user, case, action, data)
    return case_view(g.user, case)


@blp.route("/cases/<id:case_id>/payments", methods=["POST"])
@blp.arguments(PaymentIn)
@blp.response(200, CaseSchema)
@auth.login_required
def record_payment(data, case_id):
    """Record the bank's payment notice as it came (amount, reference, day paid)."""
    case = get_visible_case(g.user, case_id)
    payments.record_payment(g.user, case, amount_fen=data["amount_fen"], reference=data["reference"],
                            paid_on=data["paid_on"], expected_version=data["expected_version"])
    return case_view(g.user, case)


@blp.route("/payments/notices", methods=["POST"])
@blp.response(200)
def platform_notice():
    """The provincial payment platform's notice (HMAC-signed, idempotent by reference;
    docs/payments.md)."""
    body = request.get_data()
    payments.check_platform_signature(request.headers.get("X-FieldCase-Timestamp"),
                                      request.headers.get("X-FieldCase-Signature"), body)
    data = _load(PlatformNoticeSchema, body)
    case = payments.case_by_number(data["case_number"])
    payment, created = payments.record_payment(None, case, amount_fen=data["amount_fen"],
                                               reference=data["reference"], paid_on=data["paid_on"])
    return {"reference": payment.reference, "case_number": case.number,
            "result": "created" if created else "duplicate", "paid_fen": case.paid_fen}


def _load(schema, body: bytes) -> dict:
    """A body validated by `schema` (a step's body depends on the step, so it is loaded here)."""
    try:
        return schema().load(loads_strict(body) if body else {})
    except ValidationError as exc:
        raise ApiError("request.validation", errors=translate_field_messages(exc.messages)) from None


@blp.route("/cases/<id:case_id>/documents/<uuid:document_uuid>.pdf", methods=["GET"])
@db_mode(WRITER)  # a download is an export, audited before the document leaves
@blp.response(200, content_type="application/pdf")
@auth.login_required
def case_document(case_id, document_uuid):
    """One of the case's sealed documents (409 while it waits for its seal)."""
    case = get_visible_case(g.user, case_id)
    document = documents.get_case_document(case, document_uuid)
    if document is None:
        raise ApiError("case.unknown_document")
    pdf = export_sealed_document(g.user, document)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{document.uuid}.pdf"'})


@blp.route("/cases/<id:case_id>/transfer-letter", methods=["POST"])
@blp.arguments(TransferLetterIn)
@blp.response(201, CaseSchema)
@auth.roles_required("supervisor", "admin")
def transfer_letter(data, case_id):
    """Issue the case's 案件移送函 (transfer to another authority), numbered, sealed soon after."""
    case = get_visible_case(g.user, case_id)
    documents.issue_transfer_letter(g.user, case, data)
    return case_view(g.user, case)


@blp.route("/cases/warnings", methods=["GET"])
@blp.response(200, CaseWarningSchema(many=True))
@auth.login_required
def warnings():
    """Open cases near (CASE_WARNING_WORKING_DAYS) or past a deadline, most urgent first."""
    return monitor.case_warnings(g.user, local_today(), current_app.config["CASE_WARNING_WORKING_DAYS"])


@blp.route("/rates", methods=["GET"])
@blp.arguments(RatesQuery, location="query")
@blp.response(200, RateSchema(many=True))
@auth.roles_required("supervisor", "admin")
def rates(query):
    """查处率 and 结案率 for a period, per team or officer."""
    return monitor.compute_rates((query["start"], query["end"]), query["group_by"])
