"""Forms for the PWA (logged-in users) and the public list of supervision items.

Answers may be cached by the client and revalidated: ETag from the body, `Cache-Control: no-cache`,
304 when If-None-Match matches.
"""
from __future__ import annotations

from functools import wraps

from flask import Response, request

from ..accounts.auth import login_required
from ..errors import ApiError
from ..schemas import Blueprint
from . import service, supervision
from .schemas import (
    FormOutSchema,
    FormSummarySchema,
    SupervisionItemSchema,
    SupervisionQuerySchema,
)

blp = Blueprint("forms", __name__, url_prefix="/api",
                description="Inspection forms (检查表单) and the list of supervision items (执法监管事项清单)")


def revalidated(view):
    """Let clients cache the answer and revalidate it: ETag, no-cache, 304 on a match."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        response = view(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        return response.make_conditional(request)
    return wrapper


@blp.route("/forms", methods=["GET"])
@revalidated
@blp.response(200, FormSummarySchema(many=True))
@blp.alt_response(304, description="Not modified: the ETag in If-None-Match is current")
@login_required
def list_forms():
    """Every form version in service, with its content hash (`current`: the one for new inspections)."""
    current = {(f.id, f.version) for f in service.current_versions()}
    return [{"id": f.id, "version": f.version, "title": f.title, "domain": f.domain,
             "subject_kind": f.definition["subject_kind"], "content_hash": f.content_hash,
             "current": (f.id, f.version) in current} for f in service.list_forms()]


@blp.route("/forms/<form_id>/<id:version>", methods=["GET"])
@revalidated
@blp.response(200, FormOutSchema)
@blp.alt_response(304, description="Not modified: the ETag in If-None-Match is current")
@blp.alt_response(404, description="No such form or version")
@login_required
def get_form(form_id, version):
    """One exact form version: sections, items, conditions, computations, legal basis."""
    form = service.get_form_version(form_id, version)
    if form is None:
        raise ApiError("form.not_found")
    return {**form.definition, "hash": form.content_hash}


@blp.route("/supervision-items", methods=["GET"])
@revalidated
@blp.arguments(SupervisionQuerySchema, location="query")
@blp.response(200, SupervisionItemSchema(many=True))
@blp.alt_response(304, description="Not modified: the ETag in If-None-Match is current")
def list_supervision_items(args):
    """The list of supervision items with legal basis (public); `?format=csv` for Excel."""
    if args["format"] == "csv":
        return Response(supervision.supervision_items_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="supervision-items.csv"'})
    return supervision.supervision_items()
