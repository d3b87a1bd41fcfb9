"""Sync from phones, sync status, and reading inspection records."""
from __future__ import annotations

from flask import g, request

from ..accounts import auth
from ..database import WRITER_AFTER_CHECKS, db_mode
from ..errors import ApiError
from ..schemas import Blueprint, parsed_body
from . import access, checks, queries, service
from .schemas import (
    InspectionListQuerySchema,
    InspectionPageSchema,
    InspectionSchema,
    SyncRequestSchema,
    SyncResponseSchema,
    SyncResultSchema,
    SyncStatusQuerySchema,
)
from .sync_answer import sync_response

blp = Blueprint("inspections", __name__, url_prefix="/api", description="Inspection records and sync")


def _batch_officers() -> set[str] | None:
    """The usernames a sync body's records name as officers, read before the view so that they
    are loaded with the session's user; None when the body is not one to peek into."""
    try:
        body = parsed_body(request)
    except ApiError:
        return None  # the view's schema says what is wrong, after the access check
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or len(records) > service.max_batch_records():
        return None
    return checks.named_usernames(records)


@blp.route("/sync", methods=["POST"])
@db_mode(WRITER_AFTER_CHECKS)  # service.sync_batch checks as a reader, then writes
@auth.names_users(_batch_officers)
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
@auth.roles_required("officer")
def sync(data):
    """Submit a batch of records; each is answered created, duplicate, conflict or rejected."""
    if len(data["records"]) > service.max_batch_records():
        raise ApiError("sync.too_many_records",
                       errors={"records": [f"每批最多 {service.max_batch_records()} 条记录。"]})
    if not data["records"]:
        raise ApiError("request.validation", errors={"records": ["至少包含一条记录。"]})
    # The schema documents the answer; sync_answer writes it (the same output, a tenth of the CPU).
    return sync_response(service.sync_batch(g.user, data["records"], data.get("device_time"),
                                            known_users=g.named_users))


@blp.route("/sync/status", methods=["GET"])
@blp.arguments(SyncStatusQuerySchema, location="query")
@blp.response(200, SyncResultSchema(many=True))
@auth.roles_required("officer")
def sync_status(query):
    """What the server holds of my submissions (by UUID or since a time), to confirm a lost answer.

    Either `since` or `uuid` is required: without both, 422 `request.validation` with
    `errors.since`. At most 90 `uuid`; `since` between 1900-01-01 and 2199-12-31, with an offset.
    """
    if not query.get("uuid") and not query.get("since"):
        raise ApiError("request.validation", errors={"since": ["请给出 since 或 uuid。"]})
    held = service.sync_status(g.user, since=query.get("since"), uuids=query.get("uuid"),
                               device_id=query.get("device_id"))
    return [{**service.describe(i, inspection, "held"), "index": i} for i, inspection in enumerate(held)]


@blp.route("/inspections", methods=["GET"])
@blp.arguments(InspectionListQuerySchema, location="query")
@blp.response(200, InspectionPageSchema)
@auth.login_required
def list_inspections(query):
    """Inspections I may see, newest first, filtered; keyset pagination with `next_cursor`."""
    return queries.list_visible(g.user, query)


@blp.route("/inspections/<uuid:inspection_uuid>", methods=["GET"])
@blp.response(200, InspectionSchema)
@auth.login_required
def get_inspection(inspection_uuid):
    """One inspection record with its answers, officers, evidence and revisions."""
    return access.get_visible_inspection(g.user, inspection_uuid)
