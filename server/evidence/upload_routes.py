"""The tus 1.0.0 endpoints under /api/uploads: OPTIONS, POST, HEAD, PATCH, DELETE.

Unlike JSON views these run in the mode STEPS (server/database.py), a transaction per step: a
PATCH ends its database transaction before the body streams (a slow phone must not hold the
writer's turn for minutes), and commits while still holding the upload's lock (so no one sees
the bytes moved before the evidence is recorded as received).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, request, url_for

from ..accounts.auth import current_user
from ..clock import utcnow
from ..database import STEPS, commit, db_mode, start_writing, write_intent
from ..errors import ApiError
from ..schemas import Blueprint
from . import media, service, tus, uploads
from .body import BodyStream, idle_timeout
from .derived import get_derived_images
from .docs import TUS_DOCS
from .facts import FlagRules
from .hashing import running_hashes
from .storage import get_stores

blp = Blueprint("uploads", __name__, url_prefix="/api/uploads",
                description="Resumable evidence uploads (tus 1.0.0)")


def _empty(status: int, headers: dict | None = None) -> Response:
    response = Response(status=status, headers=headers)
    del response.headers["Content-Type"]  # tus answers carry no body
    return response


def _settings():
    config = current_app.config
    return (uploads.staging_dir(config),
            timedelta(hours=config["EVIDENCE_UPLOAD_EXPIRY_HOURS"]))


@blp.before_request
def _require_tus_version():
    if request.method != "OPTIONS":
        tus.require_version(request.headers)


@blp.after_request
def _tus_headers(response):
    response.headers["Tus-Resumable"] = tus.VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("", methods=["OPTIONS"])
@blp.doc(**TUS_DOCS["options"])
def discover():
    """What this tus server supports: version, extensions, maximum size, checksums."""
    return _empty(204, headers=tus.discovery_headers(current_app.config["EVIDENCE_MAX_BYTES"]))


@blp.route("", methods=["POST"])
@db_mode(STEPS)
@blp.doc(**TUS_DOCS["post"])
def create():
    """Create an upload for a listed evidence file (Upload-Length, Upload-Metadata); with a body
    (tus creation-with-upload), write it as a PATCH at offset 0 would, in the same request."""
    user = current_user()
    length = tus.parse_length(request.headers.get("Upload-Length"),
                              current_app.config["EVIDENCE_MAX_BYTES"])
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    with_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if with_body:
        tus.require_offset_content_type(request.headers.get("Content-Type"))
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    uploads_dir, expiry = _settings()
    start_writing()  # the session's user was read as a reader; what creates the upload writes
    upload = uploads.create_upload(user, length=length, metadata=metadata,
                                   uploads_dir=uploads_dir, now=utcnow(), expiry=expiry)
    created = {"Location": url_for("uploads.upload_offset", upload_id=upload.id, _external=True),
               "Upload-Expires": tus.http_date(upload.expires_at)}
    if not with_body:
        return _empty(201, headers=created)
    ticket = uploads.UploadTicket.of(upload, uploads_dir)
    commit()  # the upload exists, durably, before its body streams (and the writer's turn is free)
    try:
        written = _write(ticket, user, offset=0, checksum=checksum, expiry=expiry)
    except ApiError as error:  # the client can resume (or learn why not) at its upload's address
        error.headers = {**error.headers, **created}
        raise
    return _empty(201, headers={**created, **written.headers})


@blp.route("/<upload_id>", methods=["HEAD"])
@db_mode(STEPS)
@blp.doc(**TUS_DOCS["head"])
def upload_offset(upload_id):
    """How many bytes the server holds (Upload-Offset); Cache-Control: no-store."""
    upload = uploads.find_own_upload(current_user(), upload_id, utcnow())
    headers = {"Upload-Length": str(upload.length),
               "Upload-Metadata": tus.encode_metadata({
                   "evidence_uuid": str(upload.evidence_uuid), "sha256": upload.declared_sha256,
                   "filename": upload.filename})}
    if upload.status == "completed":
        return _empty(200, headers={**headers, "Upload-Offset": str(upload.length)})
    headers["Upload-Expires"] = tus.http_date(upload.expires_at)
    ticket = uploads.UploadTicket.of(upload, _settings()[0])
    commit()  # end the read snapshot: after the wait, a completion must be visible
    try:
        with uploads.locked(ticket, current_app.config["EVIDENCE_LOCK_WAIT_SECONDS"]) as fd:
            offset = uploads.current_offset(fd)
            if offset == ticket.length:
                # Every byte is here, yet the upload is open: the process that took the last
                # byte died before recording it. Finish it now, as that PATCH would have, so
                # that a full offset (which a tus client takes for success) is true of the
                # evidence too; a refusal (say, a hash mismatch) is answered as the PATCH's was.
                with write_intent(True):
                    _complete(ticket, current_user(), None)
    except ApiError as error:
        if error.code != "upload.not_found":
            raise
        # The partial file went while we waited: finished by another request, or refused.
        upload = uploads.find_own_upload(current_user(), upload_id, utcnow())
        if upload.status != "completed":
            raise
        offset = upload.length
    return _empty(200, headers={**headers, "Upload-Offset": str(offset)})


@blp.route("/<upload_id>", methods=["PATCH"])
@db_mode(STEPS)
@blp.doc(**TUS_DOCS["patch"])
def append(upload_id):
    """Append the body at Upload-Offset; the last byte triggers verification and storage."""
    user = current_user()
    upload = uploads.find_own_upload(user, upload_id, utcnow())
    tus.require_offset_content_type(request.headers.get("Content-Type"))
    offset = tus.parse_offset(request.headers.get("Upload-Offset"))
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    if upload.status == "completed":
        if offset == upload.length and not request.content_length:
            return _completed_answer(upload.length, upload.received_sha256)
        raise ApiError("upload.completed", headers={"Upload-Offset": str(upload.length)})
    uploads_dir, expiry = _settings()
    ticket = uploads.UploadTicket.of(upload, uploads_dir)
    # End the read, keeping the user loaded (the audit entries name them; the upload's row is
    # read again, locked, when the upload finishes): the body streams with no transaction open,
    # and what follows writes.
    start_writing()
    return _write(ticket, user, offset=offset, checksum=checksum, expiry=expiry)


def _write(ticket: uploads.UploadTicket, user, *, offset: int, checksum, expiry) -> Response:
    """Append the request's body at `offset` under the upload's lock; finish the upload with its
    last byte. The answer of a PATCH (204, Upload-Offset, and X-Evidence-Status once received)."""
    request.max_content_length = max(ticket.length - offset, 0)
    with uploads.locked(ticket, current_app.config["EVIDENCE_LOCK_WAIT_SECONDS"]) as fd:
        with idle_timeout(request, current_app.config["EVIDENCE_UPLOAD_IDLE_SECONDS"]):
            appended = uploads.append(fd, ticket, BodyStream(request), offset=offset,
                                      content_length=request.content_length, checksum=checksum,
                                      running=running_hashes().take(ticket.id, offset))
        if offset < media.SNIFF_BYTES <= appended.offset or appended.offset == ticket.length:
            # Refuse a file of the wrong type as soon as its first bytes are in, not at 200 MB.
            if media.sniff(uploads.read_head(fd, media.SNIFF_BYTES)) is None:
                service.refuse_and_discard(ticket, ApiError("evidence.unsupported_type"), actor=user)
        if appended.digest is not None and appended.offset < ticket.length:
            running_hashes().put(ticket.id, appended.offset, appended.digest)
        if appended.cut_short:
            raise ApiError("upload.incomplete_body", headers={"Upload-Offset": str(appended.offset)})
        if appended.offset < ticket.length:
            expires = uploads.refresh_expiry(ticket, utcnow(), expiry)
            return _empty(204, headers={"Upload-Offset": str(appended.offset),
                                        "Upload-Expires": tus.http_date(expires)})
        return _complete(ticket, user, appended.digest)


def _complete(ticket: uploads.UploadTicket, user, digest) -> Response:
    config = current_app.config
    sha256 = service.finish_upload(ticket, actor=user, digest=digest, stores=get_stores(),
                                   images=get_derived_images(), max_pixels=config["EVIDENCE_MAX_PIXELS"],
                                   rules=FlagRules.from_config(config), now=utcnow())
    return _completed_answer(ticket.length, sha256)


def _completed_answer(length: int, sha256: str | None) -> Response:
    return _empty(204, headers={"Upload-Offset": str(length), "X-Evidence-Status": "received",
                                "X-Evidence-SHA256": sha256 or ""})


@blp.route("/<upload_id>", methods=["DELETE"])
@db_mode(STEPS)
@blp.doc(**TUS_DOCS["delete"])
def terminate(upload_id):
    """Abandon an unfinished upload: its bytes are removed (finished evidence never is)."""
    user = current_user()
    upload = uploads.find_own_upload(user, upload_id, utcnow())
    if upload.status == "completed":
        raise ApiError("upload.completed")
    ticket = uploads.UploadTicket.of(upload, _settings()[0])
    start_writing()  # end the read; the writer's turn comes after the wait for the upload's lock
    with uploads.locked(ticket, current_app.config["EVIDENCE_LOCK_WAIT_SECONDS"]) as fd:
        uploads.terminate(user, ticket, fd)
        commit()  # durable before the bytes go
        uploads.discard_partial(ticket)
    return _empty(204)
