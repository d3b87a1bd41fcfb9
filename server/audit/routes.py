"""The audit log's public key and signed checkpoints, for anyone who verifies a case file."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..accounts import auth
from ..errors import ApiError
from ..extensions import db
from ..schemas import INT64_MAX, Blueprint, StrictSchema, bounded_int
from . import proofs, signing
from .checkpoints import checkpoint_text, latest_checkpoint
from .models import AuditCheckpoint

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="Tamper-evident audit log")


class KeySchema(Schema):
    algorithm = fields.String()
    key_id = fields.String()
    public_key_pem = fields.String()
    public_key_hex = fields.String()


class CheckpointSchema(Schema):
    tree_size = fields.Integer()
    root_hash = fields.String()
    signed_at = fields.DateTime()
    key_id = fields.String()
    signature = fields.String()
    signed_text = fields.Function(lambda c: checkpoint_text(c.tree_size, c.root_hash, c.signed_at).decode())


class ConsistencyQuerySchema(StrictSchema):
    first = bounded_int(0, INT64_MAX, required=True, metadata={"description": "Older tree size"})
    second = bounded_int(0, INT64_MAX, required=True,
                         metadata={"description": "Newer tree size (a checkpoint's)"})


class ConsistencySchema(Schema):
    first = fields.Integer()
    second = fields.Integer()
    proof = fields.List(fields.String())


@blp.route("/key", methods=["GET"])
@blp.response(200, KeySchema)
def public_key():
    """The Ed25519 public key that signs checkpoints (public: anyone may verify)."""
    public = signing.signing_key().public_key()
    return {"algorithm": "Ed25519", "key_id": signing.key_id(public),
            "public_key_pem": signing.public_key_pem(public),
            "public_key_hex": signing.public_key_raw(public).hex()}


@blp.route("/checkpoint", methods=["GET"])
@blp.response(200, CheckpointSchema)
@auth.login_required
def checkpoint():
    """The latest signed checkpoint of the log."""
    latest = latest_checkpoint()
    if latest is None:
        raise ApiError("request.not_found", "尚无已签名的审计检查点。")
    return latest


@blp.route("/consistency", methods=["GET"])
@blp.arguments(ConsistencyQuerySchema, location="query")
@blp.response(200, ConsistencySchema)
@auth.login_required
def consistency(query):
    """A proof that the log at `first` entries is a prefix of the signed log at `second`
    (from the cached tree: no log entry is read once the newest checkpoint's tree is built)."""
    first, second = query["first"], query["second"]
    signed = db.session.get(AuditCheckpoint, second)
    if signed is None or not 0 <= first <= second:
        raise ApiError("request.not_found", "没有该规模的已签名检查点。")
    return {"first": first, "second": second, "proof": proofs.consistency_proof(first, signed)}
