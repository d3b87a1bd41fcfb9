"""Evidence for the people allowed to see it: an inspection's list with facts and flags, and
the original, thumbnail and preview files (Range, sniffed type, sandboxed)."""
from __future__ import annotations

from flask import current_app, request, url_for

from ..accounts.auth import current_user, login_required
from ..database import WRITER, db_mode
from ..errors import ApiError
from ..schemas import Blueprint
from . import media, service
from .derived import derived_key, get_derived_images
from .facts import DAMAGED, FlagRules
from .photos import ImageTooLarge, NotAnImage
from .schemas import DownloadArgsSchema, EvidenceListSchema, EvidenceSchema, FlagRulesSchema
from .serving import download_name, file_response
from .storage import get_stores

blp = Blueprint("evidence", __name__, url_prefix="/api", description="Evidence files")

DERIVED_CACHE_SECONDS = 3600


def _present(evidence, file) -> dict:
    links = {"original": None, "thumbnail": None, "preview": None}
    if file is not None:
        links["original"] = url_for("evidence.original", evidence_uuid=evidence.uuid)
        if file.has_previews:
            links["thumbnail"] = url_for("evidence.thumbnail", evidence_uuid=evidence.uuid)
            links["preview"] = url_for("evidence.preview", evidence_uuid=evidence.uuid)
    return {"uuid": evidence.uuid, "inspection_uuid": evidence.inspection_uuid,
            "item_id": evidence.item_id, "received_at": evidence.received_at,
            "status": "received" if evidence.received_at else "missing",
            "declared": evidence, "file": file, "links": links}


@blp.route("/inspections/<uuid:inspection_uuid>/evidence", methods=["GET"])
@blp.response(200, EvidenceListSchema)
@login_required
def list_for_inspection(inspection_uuid):
    """The evidence an inspection lists: declared values, received file facts, reviewer flags."""
    items = service.list_evidence(current_user(), inspection_uuid)
    return {"inspection_uuid": inspection_uuid,
            "evidence": [_present(evidence, file) for evidence, file in items]}


@blp.route("/evidence/flag-rules", methods=["GET"])
@blp.response(200, FlagRulesSchema)
@login_required
def flag_rules():
    """The tolerances of the evidence flags (EVIDENCE_* settings): the phone warns with the same."""
    return FlagRules.from_config(current_app.config)


@blp.route("/evidence/<uuid:evidence_uuid>", methods=["GET"])
@blp.response(200, EvidenceSchema)
@login_required
def show(evidence_uuid):
    """One evidence item with its facts and flags."""
    return _present(*service.get_visible_evidence(current_user(), evidence_uuid))


def _received(evidence_uuid):
    evidence, file = service.get_visible_evidence(current_user(), evidence_uuid)
    if file is None:
        raise ApiError("evidence.not_received")
    return evidence, file


@blp.route("/evidence/<uuid:evidence_uuid>/original", methods=["GET"])
@db_mode(WRITER)  # a GET that writes: the audit entry is committed before the bytes leave
@blp.arguments(DownloadArgsSchema, location="query")
@blp.response(200)
@login_required
def original(args, evidence_uuid):
    """The original bytes, byte-exact (Range supported); every download is audited."""
    user = current_user()
    evidence, file = _received(evidence_uuid)
    name = download_name(file.filename, f"{evidence.item_id}-{str(evidence.uuid)[:8]}",
                         media.extension_of(file.media_type))
    response = file_response(get_stores().originals, file.sha256, media_type=file.media_type,
                             name=name, attachment=args["download"])
    if response.status_code in (200, 206) and request.method == "GET":
        service.record_download(user, evidence, file, byte_range=request.headers.get("Range"))
    return response


def _derived(evidence_uuid, variant: str):
    evidence, file = _received(evidence_uuid)
    if not file.has_previews:
        raise ApiError("evidence.no_preview")
    try:  # made now if the queue has not got to it yet, or if it was lost
        get_derived_images().ensure(file.sha256, variant)
    except (*DAMAGED, ImageTooLarge, NotAnImage):
        raise ApiError("evidence.no_preview") from None
    key = derived_key(file.sha256, variant)
    name = download_name(file.filename, f"{evidence.item_id}-{str(evidence.uuid)[:8]}",
                         media.extension_of(file.media_type), variant=variant)
    return file_response(get_stores().derived, key, media_type="image/jpeg", name=name,
                         attachment=False, cache_seconds=DERIVED_CACHE_SECONDS)


@blp.route("/evidence/<uuid:evidence_uuid>/thumbnail", methods=["GET"])
@blp.response(200)
@login_required
def thumbnail(evidence_uuid):
    """A 320 px JPEG, upright, without metadata."""
    return _derived(evidence_uuid, "thumbnail")


@blp.route("/evidence/<uuid:evidence_uuid>/preview", methods=["GET"])
@blp.response(200)
@login_required
def preview(evidence_uuid):
    """A 1280 px JPEG, upright, without metadata."""
    return _derived(evidence_uuid, "preview")
