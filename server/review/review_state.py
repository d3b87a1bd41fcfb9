"""What the review page reads about one revision: its items, the decisions so far, what I may do."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..clock import utcnow
from ..extensions import db
from ..inspections.models import Inspection
from . import evidence, items, service, trail
from .changes import revision_changes
from .models import CHECKLIST, OPINION_LABELS


def legal_review_of(inspection: Inspection) -> dict | None:
    if inspection.legal_review_requested_at is None:
        return None
    opinion = inspection.legal_opinion
    return {"requested_at": inspection.legal_review_requested_at,
            "due_at": inspection.legal_review_due_at,
            "overdue": opinion is None and utcnow() > inspection.legal_review_due_at,
            "reason": inspection.major_decision_reason,
            "opinion": opinion, "opinion_label": OPINION_LABELS.get(opinion)}


def review_state(user: User, inspection: Inspection) -> dict:
    """The review page's data for `user` (who may see the inspection)."""
    latest = db.session.execute(sa.select(sa.func.max(Inspection.revision)).where(
        Inspection.root_uuid == inspection.root_uuid)).scalar() == inspection.revision
    actions = service.review_history(inspection)
    described = evidence.case_evidence(inspection)
    return {
        "uuid": inspection.uuid, "root_uuid": inspection.root_uuid, "revision": inspection.revision,
        "status": inspection.status, "latest": latest, "form_title": items.form_title(inspection),
        "failed_checks": inspection.failed_checks,
        "allowed": service.allowed_actions(user, inspection),
        "legal_review": legal_review_of(inspection),
        "return_comment": inspection.return_comment,
        "return_item_comments": inspection.return_item_comments,
        "actions": actions, "checklist_points": CHECKLIST,
        "items": items.record_items(inspection), "legal_basis": items.form_legal_basis(inspection),
        "events": trail.events_of_record(inspection),
        "evidence": described, "flag_summary": evidence.flag_summary(inspection, described),
        "changes": revision_changes(inspection),
    }
