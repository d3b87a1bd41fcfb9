"""OpenAPI descriptions of the tus endpoints, whose inputs are headers and raw bytes rather than
JSON schemas (so they are written out here instead of derived from marshmallow)."""
from __future__ import annotations


def _header(name: str, description: str, required: bool = True, schema_type: str = "string") -> dict:
    return {"in": "header", "name": name, "required": required, "description": description,
            "schema": {"type": schema_type}}


def _answer(description: str, *headers: str) -> dict:
    return {"description": description,
            "headers": {h: {"schema": {"type": "string"}} for h in headers}}


TUS_RESUMABLE = _header("Tus-Resumable", "Protocol version: 1.0.0 (412 when missing or other).")
PROBLEM = {"description": "problem+json with a stable `code` (see the error catalog)",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}

TUS_DOCS = {
    "options": {
        "summary": "tus discovery",
        "responses": {"204": _answer("Capabilities", "Tus-Version", "Tus-Extension",
                                     "Tus-Max-Size", "Tus-Checksum-Algorithm")},
    },
    "post": {
        "summary": "tus creation: open an upload of one listed evidence file",
        "description": (
            "Upload-Metadata keys (values base64): `inspection_uuid`, `evidence_uuid`, `sha256` "
            "(hex, as listed in the synced record), optional `filename` (display only). The "
            "uploader must be an officer of the inspection; Upload-Length must equal the listed "
            "size. Send X-CSRF-Token like every write. creation-with-upload: a body "
            "(Content-Type application/offset+octet-stream) is written as a PATCH at offset 0 "
            "would be; the 201 then carries Upload-Offset, and X-Evidence-Status / "
            "X-Evidence-SHA256 when it was the whole file."),
        "parameters": [TUS_RESUMABLE,
                       _header("Upload-Length", "Size of the whole file in bytes.", schema_type="integer"),
                       _header("Upload-Metadata", "Comma-separated `key base64value` pairs.")],
        "responses": {"201": _answer("Created", "Location", "Upload-Expires", "Tus-Resumable"),
                      "400": PROBLEM, "403": PROBLEM, "404": PROBLEM, "409": PROBLEM,
                      "412": PROBLEM, "413": PROBLEM, "422": PROBLEM},
    },
    "head": {
        "summary": "tus core: how many bytes the server holds",
        "parameters": [TUS_RESUMABLE],
        "responses": {"200": _answer("Offset (Cache-Control: no-store)", "Upload-Offset",
                                     "Upload-Length", "Upload-Metadata", "Upload-Expires"),
                      "404": {"description": "No such upload of yours (410: expired)"},
                      "423": {"description": "Another connection is writing; retry"}},
    },
    "patch": {
        "summary": "tus core: append bytes at Upload-Offset",
        "description": (
            "A wrong offset answers 409 with the server's Upload-Offset, nothing changed. With "
            "Upload-Checksum (`sha256 <base64>` or `sha1 <base64>`) a mismatching chunk is "
            "discarded (460). Without it, bytes that arrived before a dropped connection are "
            "kept. The request that delivers the last byte verifies the whole file's SHA-256: "
            "204 with `X-Evidence-Status: received`, or 422 `evidence.hash_mismatch` (the "
            "evidence stays missing), 409 `evidence.already_received`, 415 "
            "`evidence.unsupported_type`, 422 `evidence.image_too_large` or `evidence.image_unreadable`"
            " (a photo of zero width or height)."),
        "parameters": [TUS_RESUMABLE,
                       _header("Upload-Offset", "Where these bytes start.", schema_type="integer"),
                       _header("Upload-Checksum", "Checksum of this chunk.", required=False)],
        "requestBody": {"required": True, "content": {"application/offset+octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
        "responses": {"204": _answer("Appended", "Upload-Offset", "Upload-Expires",
                                     "X-Evidence-Status", "X-Evidence-SHA256"),
                      "404": PROBLEM, "409": PROBLEM, "410": PROBLEM, "413": PROBLEM,
                      "415": PROBLEM, "422": PROBLEM, "423": PROBLEM,
                      "460": {"description": "Chunk checksum mismatch: chunk discarded"}},
    },
    "delete": {
        "summary": "tus termination: abandon an unfinished upload",
        "parameters": [TUS_RESUMABLE],
        "responses": {"204": {"description": "Removed"}, "404": PROBLEM,
                      "409": {"description": "Already complete: received evidence is never removed"}},
    },
}
