"""Archive API: archive a final inspection, the archive list, a package, later facts, transfer."""
from __future__ import annotations

from flask import Response

from ..accounts import auth
from ..database import WRITER, db_mode
from ..documents.service import get_visible_document
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint
from . import service
from .schemas import ArchiveQuerySchema, ArchiveSchema, FactSchema, TransferSchema

blp = Blueprint("archive", __name__, url_prefix="/api",
                description="The electronic archive (电子档案) and transfer packages (案件移送)")
ARCHIVISTS = ("supervisor", "admin")
READERS = ("supervisor", "legal_reviewer", "admin")


def _with_facts(archive):
    archive.facts = service.facts_of(archive)
    return archive


@blp.route("/inspections/<uuid:inspection_uuid>/archive", methods=["POST"])
@blp.response(201, ArchiveSchema)
@auth.roles_required(*ARCHIVISTS)
def archive_inspection(inspection_uuid):
    """Archive a final (approved) inspection that has no case: built once, read-only after."""
    user = auth.current_user()
    return _with_facts(service.archive_inspection(user, get_visible_inspection(user, inspection_uuid)))


@blp.route("/archives", methods=["GET"])
@blp.arguments(ArchiveQuerySchema, location="query")
@blp.response(200, ArchiveSchema(many=True))
@auth.roles_required(*READERS)
def list_archives(query):
    """The archive list, newest first: by year, category, party (contains) and 保管期限."""
    return [_with_facts(a) for a in service.list_archives(**query)]


@blp.route("/archives/<uuid:archive_uuid>", methods=["GET"])
@blp.response(200, ArchiveSchema)
@auth.roles_required(*READERS)
def show_archive(archive_uuid):
    """One archive with the facts added since."""
    return _with_facts(service.get_archive(archive_uuid))


@blp.route("/archives/<uuid:archive_uuid>/package", methods=["GET"])
@db_mode(WRITER)  # a download is an export, audited before the package leaves
@blp.response(200, content_type="application/zip",
              description="The package as archived; verify with `python -m server.verify_case`")
@auth.roles_required(*READERS)
def download_package(archive_uuid):
    """The package ZIP, byte for byte as archived."""
    archive = service.get_archive(archive_uuid)
    data = service.export_package(auth.current_user(), archive)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=archive-{archive.uuid}.zip"})


@blp.route("/archives/<uuid:archive_uuid>/facts", methods=["POST"])
@blp.arguments(FactSchema)
@blp.response(201, ArchiveSchema)
@auth.roles_required(*ARCHIVISTS)
def add_fact(data, archive_uuid):
    """Append a later fact (e.g. a court's ruling); the package itself never changes."""
    user = auth.current_user()
    archive = service.get_archive(archive_uuid)
    document = get_visible_document(user, data["document_uuid"]) if data.get("document_uuid") else None
    service.add_fact(user, archive, data["text"], document)
    return _with_facts(archive)


@blp.route("/archives/<uuid:archive_uuid>/transfer", methods=["POST"])
@blp.arguments(TransferSchema)
@blp.response(201, ArchiveSchema)
@auth.roles_required(*ARCHIVISTS)
def make_transfer_package(data, archive_uuid):
    """A transfer package (案件移送): the archive plus its sealed 案件移送函."""
    user = auth.current_user()
    archive = service.get_archive(archive_uuid)
    letter = get_visible_document(user, data["letter_uuid"])
    return _with_facts(service.transfer_package(user, archive, letter))
