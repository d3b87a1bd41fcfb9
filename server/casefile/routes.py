"""An inspection's evidence trail and its case-file export, for those who may see it."""
from __future__ import annotations

from ..accounts.auth import current_user, login_required
from ..database import writes_on_read
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint
from . import trail
from .schemas import TrailSchema

blp = Blueprint("casefile", __name__, url_prefix="/api",
                description="Evidence trail and case files (一案一卷)")


@blp.route("/inspections/<uuid:inspection_uuid>/trail", methods=["GET"])
@writes_on_read  # signs a checkpoint first when the trail's newest entry is not yet covered
@blp.response(200, TrailSchema)
@login_required
def show_trail(inspection_uuid):
    """Every event of the inspection and its evidence in log order, with inclusion proofs."""
    return trail.build_trail(get_visible_inspection(current_user(), inspection_uuid))
