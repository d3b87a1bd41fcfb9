"""Publishes the error catalog (server/errors.py): `GET /api/errors`, and the `ErrorCode` schema
of the OpenAPI document, whose `enum` and table list every code with its status and zh-CN text."""
from __future__ import annotations

from marshmallow import Schema, fields

from .errors import CATALOG, RESERVED
from .schemas import Blueprint

blp = Blueprint("errors", __name__, url_prefix="/api", description="The error catalog (no login needed)")


class CatalogEntrySchema(Schema):
    code = fields.String(metadata={"description": "The stable machine code clients branch on"})
    status = fields.Integer(metadata={"description": "HTTP status; 200: one record's answer inside a sync answer"})
    per_record = fields.Boolean(metadata={"description": "Answered per record in POST /api/sync results"})
    title = fields.String(metadata={"description": "Short English title"})
    detail = fields.String(metadata={"description": "What the user can do, in zh-CN"})
    reserved = fields.String(allow_none=True, metadata={
        "description": "Why the code is kept although nothing answers with it today"})


def catalog_rows() -> list[dict]:
    """Every catalog code, in the catalog's order (grouped by feature)."""
    return [{"code": code, "status": status, "per_record": status == 200, "title": title,
             "detail": detail, "reserved": RESERVED.get(code)}
            for code, (status, title, detail) in CATALOG.items()]


@blp.route("/errors", methods=["GET"])
@blp.response(200, CatalogEntrySchema(many=True))
def list_error_codes():
    """Every error code the API answers with (public: it is the API's documentation)."""
    return catalog_rows()


def catalog_table() -> str:
    """The catalog as a Markdown table."""
    lines = ["| code | status | title | detail (zh-CN) |", "| --- | --- | --- | --- |"]
    for row in catalog_rows():
        status = "200 (per record)" if row["per_record"] else str(row["status"])
        title = row["title"] + (f" — reserved: {row['reserved']}" if row["reserved"] else "")
        lines.append(f"| `{row['code']}` | {status} | {title} | {row['detail']} |")
    return "\n".join(lines)


def init_api(api) -> None:
    """Serve the catalog and describe it in the OpenAPI document as the `ErrorCode` schema."""
    api.register_blueprint(blp)
    api.document(_describe_error_codes)  # when the document is read (server/apidoc.py)


def _describe_error_codes(spec) -> None:
    spec.components.schema("ErrorCode", {
        "type": "string", "enum": list(CATALOG),
        "description": "The `code` of a problem (application/problem+json), or of one record's "
                       "answer in POST /api/sync (status 200 below). Clients branch on it, never "
                       "on the text. Also served as JSON at GET /api/errors.\n\n" + catalog_table(),
    })
