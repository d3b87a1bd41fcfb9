"""Documents API: the types, issuing one, its seal state, the sealed PDF."""
from __future__ import annotations

from flask import Response, current_app

from ..accounts import auth
from ..database import WRITER, db_mode
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint
from . import queue, service, types
from .schemas import DocumentSchema, DocumentTypeSchema, IssueDocumentSchema

blp = Blueprint("documents", __name__, url_prefix="/api",
                description="Enforcement documents (执法文书): numbering, PDF/A, electronic seals")
ISSUERS = ("officer", "supervisor", "admin")


@blp.route("/documents/types", methods=["GET"])
@blp.response(200, DocumentTypeSchema(many=True))
@auth.login_required
def list_document_types():
    """Every document type with the fields it needs."""
    return types.all_types()


@blp.route("/documents", methods=["POST"])
@blp.arguments(IssueDocumentSchema)
@blp.response(201, DocumentSchema)
@auth.roles_required(*ISSUERS)
def issue_document(data):
    """Issue a document: numbered now, sealed soon after (state 待签章 until then)."""
    user = auth.current_user()
    subject = data.get("inspection_uuid")
    if subject is not None:
        get_visible_inspection(user, subject)
    return service.issue_document(user, data["type"], data["fields"],
                                  subject_type="inspection" if subject else None,
                                  subject_id=str(subject) if subject else None)


@blp.route("/inspections/<uuid:inspection_uuid>/documents/inspection-record", methods=["POST"])
@blp.response(201, DocumentSchema)
@auth.roles_required(*ISSUERS)
def issue_inspection_record(inspection_uuid):
    """Issue the inspection's 现场检查笔录, its fields taken from the record."""
    user = auth.current_user()
    inspection = get_visible_inspection(user, inspection_uuid)
    return service.issue_document(user, "inspection_record",
                                  service.inspection_record_fields(inspection),
                                  subject_type="inspection", subject_id=str(inspection.uuid))


@blp.route("/documents/<uuid:document_uuid>", methods=["GET"])
@blp.response(200, DocumentSchema)
@auth.login_required
def show_document(document_uuid):
    """One document with its number and its seal state."""
    document = service.get_visible_document(auth.current_user(), document_uuid)
    if document.state == "pending":
        queue.wake_sealer(current_app)  # after a restart, the first look starts this process's sealer
    return document


@blp.route("/documents/<uuid:document_uuid>/pdf", methods=["GET"])
@db_mode(WRITER)  # a download is an export, audited before the document leaves
@blp.response(200, content_type="application/pdf",
              description="The sealed PDF/A; verify with `pyhanko sign validate` (README)")
@auth.login_required
def download_document(document_uuid):
    """The sealed document; 409 while it waits for its seal or when sealing failed."""
    document = service.get_visible_document(auth.current_user(), document_uuid)
    return Response(service.export_sealed_document(auth.current_user(), document),
                    mimetype="application/pdf", headers={
                        "Content-Disposition": f"attachment; filename=document-{document.uuid}.pdf"})
