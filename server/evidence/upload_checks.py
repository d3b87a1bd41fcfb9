"""Who may open an upload of which listed evidence file: the checks of a tus creation, in one
query on the usual path (an officer of the record uploading its photo), without loading the
record with its officers and its whole evidence list as ORM objects."""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from ..inspections.access import get_visible_inspection
from ..inspections.models import Evidence, Inspection, InspectionOfficer


@dataclass(frozen=True)
class ListedEvidence:
    """The facts of a listed evidence item an upload is checked against."""

    uuid: uuidlib.UUID
    inspection_uuid: uuidlib.UUID
    sha256: str
    size: int
    received_at: datetime | None


def _officer_of(inspection_uuid):
    return sa.exists().where(InspectionOfficer.inspection_uuid == inspection_uuid,
                             InspectionOfficer.user_id == sa.bindparam("user_id"))


_STATEMENT: list[sa.Select] = []


def _statement() -> sa.Select:
    """The creation's query, built once (building it costs more than running it)."""
    if not _STATEMENT:
        named, owner = aliased(Inspection), aliased(Inspection)
        _STATEMENT.append(
            sa.select(named.root_uuid, _officer_of(named.uuid).label("named_officer"),
                      Evidence.uuid, Evidence.inspection_uuid, Evidence.sha256, Evidence.size,
                      Evidence.received_at, owner.root_uuid.label("owner_root"),
                      _officer_of(Evidence.inspection_uuid).label("owner_officer"))
            .select_from(named)
            .outerjoin(Evidence, Evidence.uuid == sa.bindparam("evidence_uuid", type_=sa.Uuid))
            .outerjoin(owner, owner.uuid == Evidence.inspection_uuid)
            .where(named.uuid == sa.bindparam("inspection_uuid", type_=sa.Uuid)))
    return _STATEMENT[0]


def find_uploadable_evidence(user: User, inspection_uuid: uuidlib.UUID,
                             evidence_uuid: uuidlib.UUID) -> ListedEvidence:
    """The evidence item `evidence_uuid` listed by a revision of the record `inspection_uuid`
    names, if `user` may see that record (404 otherwise) and is one of the item's record's
    officers (evidence.not_listed, evidence.not_an_officer otherwise)."""
    row = db.session.execute(_statement(), {"user_id": user.id, "evidence_uuid": evidence_uuid,
                                            "inspection_uuid": inspection_uuid}).one_or_none()
    if row is None or not (row.named_officer and user.has_role("officer")):
        get_visible_inspection(user, inspection_uuid)  # the other roles' rules; 404 if not visible
    if row.uuid is None or row.owner_root != row.root_uuid:
        raise ApiError("evidence.not_listed")
    if not row.owner_officer:
        raise ApiError("evidence.not_an_officer")
    return ListedEvidence(row.uuid, row.inspection_uuid, row.sha256, row.size, row.received_at)
