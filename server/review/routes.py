"""Review API: the queue, one revision's review state, the four actions, the printed record."""
from __future__ import annotations

from flask import Response, g

from ..accounts import auth
from ..database import WRITER, db_mode
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint
from . import items, queue, record_pdf, service
from .review_state import review_state
from .schemas import (
    ApproveSchema,
    LegalOpinionSchema,
    LegalReviewSchema,
    QueuePageSchema,
    QueueQuerySchema,
    ReturnSchema,
    ReviewStateSchema,
)

blp = Blueprint("review", __name__, url_prefix="/api",
                description="Supervisor and legal review; the printed record (现场检查笔录)")


@blp.route("/review/queue", methods=["GET"])
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueuePageSchema)
@auth.login_required
def review_queue(query):
    """The inspections I may review, latest revision each, newest first; counts per status."""
    return queue.review_queue(g.user, query)


@blp.route("/inspections/<uuid:inspection_uuid>/review", methods=["GET"])
@blp.response(200, ReviewStateSchema)
@auth.login_required
def show_review(inspection_uuid):
    """One revision for review: items (failed first), decisions so far, what I may do now."""
    return review_state(g.user, get_visible_inspection(g.user, inspection_uuid))


@blp.route("/inspections/<uuid:inspection_uuid>/review/approve", methods=["POST"])
@blp.arguments(ApproveSchema)
@blp.response(200, ReviewStateSchema)
@auth.login_required
def approve(data, inspection_uuid):
    """Approve (a major decision only once the legal reviewer agreed)."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    service.approve(g.user, inspection, data["expected_status"], data.get("comment"))
    return review_state(g.user, inspection)


@blp.route("/inspections/<uuid:inspection_uuid>/review/return", methods=["POST"])
@blp.arguments(ReturnSchema)
@blp.response(200, ReviewStateSchema)
@auth.login_required
def return_to_officer(data, inspection_uuid):
    """Return to the officers with a comment, overall and per item; they amend."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    service.return_to_officer(g.user, inspection, data["expected_status"], data["comment"],
                              data["item_comments"], items.item_ids(inspection))
    return review_state(g.user, inspection)


@blp.route("/inspections/<uuid:inspection_uuid>/review/legal-review", methods=["POST"])
@blp.arguments(LegalReviewSchema)
@blp.response(200, ReviewStateSchema)
@auth.login_required
def send_to_legal_review(data, inspection_uuid):
    """Mark a major decision (重大执法决定) and send it to legal review, with the reason."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    service.send_to_legal_review(g.user, inspection, data["expected_status"], data["reason"])
    return review_state(g.user, inspection)


@blp.route("/inspections/<uuid:inspection_uuid>/review/legal-opinion", methods=["POST"])
@blp.arguments(LegalOpinionSchema)
@blp.response(200, ReviewStateSchema)
@auth.login_required
def legal_opinion(data, inspection_uuid):
    """The legal reviewer's opinion (同意 / 不同意 / 补充材料) with the statutory checklist."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    service.give_legal_opinion(g.user, inspection, data["expected_status"], data["opinion"],
                               data["checklist"], data.get("comment"))
    return review_state(g.user, inspection)


@blp.route("/inspections/<uuid:inspection_uuid>/record.pdf", methods=["GET"])
@db_mode(WRITER)  # printing is an export, audited before the document leaves
@blp.response(200)
@auth.login_required
def record(inspection_uuid):
    """The printed record (现场检查笔录) as PDF, with a QR code of its UUID and content hash."""
    inspection = get_visible_inspection(g.user, inspection_uuid)
    pdf = record_pdf.render_record(g.user, inspection)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="record-{inspection.uuid}.pdf"'})
