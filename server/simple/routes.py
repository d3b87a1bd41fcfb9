"""The simple procedure's API: a device's number blocks, the year's number ledger, and the sync
of on-the-spot decisions."""
from __future__ import annotations

from flask import g

from ..accounts import auth
from ..schemas import Blueprint
from . import blocks, decisions
from .schemas import (
    DEVICE_ID,
    BlockOutSchema,
    BlockRequestSchema,
    DecisionSyncOutSchema,
    DecisionSyncSchema,
    LedgerOutSchema,
    LedgerQuerySchema,
)

blp = Blueprint("simple", __name__, url_prefix="/api",
                description="The simple procedure on the spot (简易程序): number blocks and decisions")


def _device(device_id: str) -> str:
    from ..errors import ApiError

    try:
        DEVICE_ID(device_id)
    except Exception:
        raise ApiError("request.validation", errors={"device_id": ["设备编号格式不正确。"]}) from None
    return device_id


@blp.route("/devices/<device_id>/number-blocks", methods=["POST"])
@blp.arguments(BlockRequestSchema)
@blp.response(201, BlockOutSchema)
@blp.alt_response(409, description="number_block.too_many")
@auth.roles_required("officer")
def reserve_block(args, device_id):
    """Reserve a block of 当场行政处罚决定书 numbers of this year for my phone (audited)."""
    return blocks.describe_block(blocks.reserve_block(g.user, _device(device_id), args["size"]))


@blp.route("/devices/<device_id>/number-blocks", methods=["GET"])
@blp.response(200, BlockOutSchema(many=True))
@auth.roles_required("officer")
def list_blocks(device_id):
    """My open blocks on this device, with the numbers already used on the server."""
    return [blocks.describe_block(b) for b in blocks.open_blocks(_device(device_id), g.user)]


@blp.route("/devices/<device_id>/number-blocks/<uuid:block_uuid>/return", methods=["POST"])
@blp.response(200, BlockOutSchema)
@blp.alt_response(409, description="number_block.closed")
@auth.roles_required("officer")
def return_block(device_id, block_uuid):
    """Give a block back: its numbers no decision used are voided (作废), audited."""
    block, voided = blocks.return_block(g.user, _device(device_id), block_uuid)
    return {**blocks.describe_block(block), "voided": voided}


@blp.route("/number-ledger", methods=["GET"])
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, LedgerOutSchema)
@auth.roles_required("supervisor", "admin", "legal_reviewer")
def number_ledger(query):
    """Every 当场行政处罚决定书 number of a year: used, voided (作废, why) or reserved (which device)."""
    return blocks.number_ledger(query["year"])


@blp.route("/simple-decisions/sync", methods=["POST"])
@blp.arguments(DecisionSyncSchema)
@blp.response(200, DecisionSyncOutSchema)
@auth.roles_required("officer")
def sync_decisions(data):
    """Submit on-the-spot decisions; each is answered created, duplicate, conflict or rejected."""
    return decisions.sync_decisions(g.user, data["decisions"], data["device_time"])
