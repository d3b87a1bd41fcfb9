"""The archive package (电子档案) of a closed case, built once its documents are sealed.

结案 issues the 结案审批表, which waits for its seal; the package must hold the sealed
documents, so it is queued rather than built in the closing request: after each pass of the
sealer (documents/queue.py runs the `after_sealing` callables, in the background and from
`flask documents seal`), every closed case with no archive whose documents are all sealed is
archived (server/archive/ archive_case), each in its own writer's transaction. A document whose
sealing failed holds its case's archive back until a retry seals it.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

from ..archive.models import Archive
from ..archive.service import archive_case
from ..database import write_intent
from ..errors import ApiError
from ..extensions import db
from ..inspections.models import Inspection
from .case_models import Case
from .documents import case_documents

log = logging.getLogger("fieldcase.cases")


def _archived():
    return sa.select(Archive.id).where(Archive.kind == "archive", Archive.subject_type == "case",
                                       Archive.subject_id == sa.cast(Case.id, sa.String)).exists()


def archive_closed_cases() -> int:
    """Archive every closed case whose documents are all sealed; returns how many were built."""
    with write_intent(False):
        waiting = list(db.session.execute(sa.select(Case.id).where(Case.status == "closed", ~_archived())
                                          .order_by(Case.id)).scalars())
        db.session.rollback()
    built = 0
    for case_id in waiting:
        with write_intent(True):
            try:
                case = db.session.get(Case, case_id)
                if any(d.state != "signed" for d in case_documents(case)):
                    db.session.rollback()
                    continue
                archive_case(None, str(case.id), db.session.get(Inspection, case.inspection_uuid))
                db.session.commit()
                built += 1
            except ApiError as error:  # another process archived it meanwhile
                db.session.rollback()
                if error.code != "archive.exists":
                    log.error("archiving case %s: %s", case_id, error.code)
    return built


def archive_view(case: Case) -> dict | None:
    """The closed case's archive for the desk: built (its number and package) or waiting."""
    if case.status != "closed":
        return None
    archive = db.session.execute(sa.select(Archive).where(
        Archive.kind == "archive", Archive.subject_type == "case", Archive.subject_id == str(case.id))).scalar()
    if archive is None:
        return {"state": "waiting", "state_label": "待文书签章后归档", "archive_no": None, "uuid": None,
                "download": None}
    return {"state": "archived", "state_label": "已归档", "archive_no": archive.archive_no,
            "uuid": str(archive.uuid), "download": f"/api/archives/{archive.uuid}/package"}
