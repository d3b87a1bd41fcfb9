"""The database itself refuses to rewrite or delete what was submitted, decided or received
(migration 0008), on SQLite and PostgreSQL, while the changes the app makes go through: the
`reviewed` history is made by them (evidence arriving, a return, a legal review, an approval)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.evidence.models import EvidenceFile
from server.extensions import db
from server.inspections.models import Evidence, Inspection, InspectionOfficer
from server.review.models import ReviewAction

from .test_verify_rows import reviewed  # noqa: F401 - the fixture

REFUSED = ("append-only", "cannot be rewritten")


def refused(statement) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        with db.session.begin_nested():
            db.session.execute(statement)
    message = str(caught.value.orig)
    assert any(words in message for words in REFUSED), message
    return message


def test_submitted_content_and_decisions_cannot_be_rewritten(reviewed):  # noqa: F811
    first, second = uuid.UUID(reviewed["first"]), uuid.UUID(reviewed["second"])
    one = sa.update(Inspection).where(Inspection.uuid == first)
    for values in ({"subject_name": "浙F99999"}, {"answers": {"plate": "浙F00000"}},
                   {"failed_checks": 0}, {"amendment_reason": "x"}, {"received_at": sa.func.now()},
                   {"status": "complete"},  # a returned revision stays returned
                   {"return_comment": "照片清楚。"}, {"evidence_received": 0}):
        refused(one.values(**values))
    two = sa.update(Inspection).where(Inspection.uuid == second)
    for values in ({"legal_opinion": "disagree"}, {"major_decision_reason": "x"},
                   {"status": "returned", "return_comment": "x"}):  # approved stays approved
        refused(two.values(**values))
    refused(sa.delete(Inspection).where(Inspection.uuid == second))
    refused(sa.update(InspectionOfficer).values(certificate_number="x"))
    refused(sa.delete(InspectionOfficer))
    refused(sa.update(ReviewAction).values(comment="x"))
    refused(sa.delete(ReviewAction))
    refused(sa.update(EvidenceFile).values(gps_latitude=0.0))
    refused(sa.delete(EvidenceFile))
    evidence = sa.update(Evidence).where(Evidence.inspection_uuid == first)
    refused(evidence.values(sha256="ab" * 32))
    refused(evidence.values(captured_at=sa.func.now()))
    refused(evidence.values(received_at=None))  # arrived once, stays arrived
    refused(sa.delete(Evidence))
    if db.engine.dialect.name == "postgresql":
        for table in ("inspections", "evidence", "review_actions"):
            refused(sa.text(f"TRUNCATE {table} CASCADE"))
    db.session.rollback()
    row = db.session.get(Inspection, first)
    assert (row.subject_name, row.status, row.return_comment) == ("浙F12345", "returned", "称重单照片不清晰，请补拍。")

