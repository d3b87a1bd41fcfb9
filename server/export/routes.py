"""The export's API: the published schemas (public), the collector's pull of events (a
collector's token or an administrator), and the administrators' view of deliveries, with the
replay of dead letters."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from marshmallow import Schema, fields, validate

from ..accounts import auth
from ..errors import ApiError
from ..schemas import Blueprint, StrictSchema, bounded_int
from . import outbox, schema_files
from .clients import collector_or_admin
from .feed import events_page
from .status import endpoint_summaries

blp = Blueprint("export", __name__, url_prefix="/api/export",
                description="Export to the provincial platform (docs/export.md)")


class EventsQuerySchema(StrictSchema):
    cursor = fields.String(validate=validate.Length(1, 200),
                           metadata={"description": "next_cursor of the previous page (opaque)"})
    limit = bounded_int(1, 10_000, metadata={
        "description": "Most entries read: 100 by default, EXPORT_PAGE_MAX at most"})


class DeadLetterQuerySchema(StrictSchema):
    after_id = bounded_int(0, load_default=0)
    limit = bounded_int(1, 500, load_default=100)


class DeliverySchema(Schema):
    id = fields.Integer()
    endpoint = fields.Function(lambda d: d.endpoint.name)
    event_id = fields.String()
    seq = fields.Integer()
    state = fields.String()
    attempts = fields.Integer()
    last_attempt_at = fields.DateTime()
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime()
    dead_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


@blp.route("/v1/schema/", methods=["GET"])
def schema_index():
    """The v1 format: its schemas and the event types exported today (public)."""
    return jsonify(schema_files.schema_index(request.url_root))


@blp.route("/v1/schema/<name>", methods=["GET"])
def schema_file(name: str):
    """One JSON Schema (draft 2020-12) of the v1 format (public)."""
    response = jsonify(schema_files.schema_document(name, request.url_root))
    response.mimetype = "application/schema+json"
    return response


@blp.route("/v1/events", methods=["GET"])
@collector_or_admin
@blp.arguments(EventsQuerySchema, location="query")
def events(query):
    """Events in audit order after `cursor` (schema page.json); a collector's token or an admin."""
    most = current_app.config["EXPORT_PAGE_MAX"]
    limit = query.get("limit", min(100, most))
    if limit > most:
        raise ApiError("export.page_too_large", errors={"limit": [f"每页最多 {most} 条。"]})
    page = events_page(query.get("cursor"), limit)
    response = jsonify(page)
    response.headers["X-Export-Client"] = getattr(g.get("export_client"), "name", "admin")
    return response


@blp.route("/endpoints", methods=["GET"])
@auth.roles_required("admin")
def endpoints():
    """Webhook endpoints with their deliveries counted by state (admins)."""
    return jsonify(endpoint_summaries())


@blp.route("/dead-letters", methods=["GET"])
@blp.arguments(DeadLetterQuerySchema, location="query")
@blp.response(200, DeliverySchema(many=True))
@auth.roles_required("admin")
def dead_letters(query):
    """Deliveries that failed every attempt, oldest first (admins)."""
    return outbox.dead_letters(query["limit"], query["after_id"])


@blp.route("/dead-letters/<id:delivery_id>/replay", methods=["POST"])
@blp.response(200, DeliverySchema)
@auth.roles_required("admin")
def replay(delivery_id: int):
    """Deliver a dead letter again from a fresh count of attempts (admins; audited)."""
    return outbox.replay(delivery_id, actor=g.user)
