"""An inspection's evidence trail and its case-file export, for those who may see it."""
from __future__ import annotations

from flask import send_file

from ..accounts.auth import current_user, login_required
from ..database import WRITER, db_mode
from ..inspections.access import get_visible_inspection
from ..schemas import Blueprint
from . import export, trail
from .schemas import TrailSchema

blp = Blueprint("casefile", __name__, url_prefix="/api",
                description="Evidence trail and case files (一案一卷)")


@blp.route("/inspections/<uuid:inspection_uuid>/trail", methods=["GET"])
@db_mode(WRITER)  # signs a checkpoint first when the trail's newest entry is not yet covered
@blp.response(200, TrailSchema)
@login_required
def show_trail(inspection_uuid):
    """Every event of the inspection and its evidence in log order, with inclusion proofs."""
    return trail.build_trail(get_visible_inspection(current_user(), inspection_uuid))


@blp.route("/inspections/<uuid:inspection_uuid>/export", methods=["GET"])
@db_mode(WRITER)  # the export is audited and signed; the ZIP leaves only after the commit
@blp.response(200, content_type="application/zip", description=(
    "A ZIP: manifest.json (records, trail with inclusion proofs, checkpoint, public key), "
    "evidence/<sha256>.<ext> originals, README.txt; verify with `python -m server.verify_case`"))
@login_required
def export_case_file(inspection_uuid):
    """The case file (一案一卷) of an inspection: a ZIP anyone can verify without this server."""
    spool = export.spool_file()
    try:
        export.export_case_file(current_user(), inspection_uuid, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=f"casefile-{inspection_uuid}.zip", max_age=0)
