"""The case's documents: each step that produces one (立案, 询问, 告知, 决定, 送达, 结案) issues it
through server/documents in the step's own transaction, numbered per type and year, linked to
the case (subject ("case", id)) and waiting for its seal (the step never waits for it). A
disposition that orders a correction or imposes a penalty on the spot issues its 责令改正通知书
or 当场行政处罚决定书 about the inspection; a transfer issues the 案件移送函 about the case.
A value the case lacks refuses the step with `document.missing_fields`, naming it in Chinese.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..documents.models import Document
from ..documents.service import issue_document
from ..documents.types import get_type
from ..extensions import db
from ..inspections.models import Inspection
from .case_models import Case, CaseStep
from .document_fields import (
    STEP_DOCUMENTS,
    day_text,
    evidence_list,
    legal_basis,
    officers_of,
    place_of,
    yuan_text,
)


def case_documents(case: Case) -> list[Document]:
    return list(db.session.execute(sa.select(Document).where(
        Document.subject_type == "case", Document.subject_id == str(case.id)).order_by(Document.id)).scalars())


def issue_step_document(user: User, case: Case, step: CaseStep) -> Document | None:
    """The document `step` produces, if any, issued now (the caller's transaction)."""
    if step.action not in STEP_DOCUMENTS:
        return None
    doc_type, fields_of = STEP_DOCUMENTS[step.action]
    fields = fields_of(case, step, user, case_documents(case))
    return issue_document(user, doc_type, {k: v for k, v in fields.items() if v is not None},
                          subject_type="case", subject_id=str(case.id))


def document_view(document: Document, download: str) -> dict:
    return {"uuid": str(document.uuid), "doc_type": document.doc_type,
            "title": get_type(document.doc_type).title, "number": document.number,
            "state": document.state, "state_label": document.state_label,
            "issued_at": document.issued_at.isoformat(),
            "download": download if document.state == "signed" else None}


def documents_view(case: Case) -> list[dict]:
    return [document_view(d, f"/api/cases/{case.id}/documents/{d.uuid}.pdf") for d in case_documents(case)]


def get_case_document(case: Case, document_uuid) -> Document | None:
    return next((d for d in case_documents(case) if d.uuid == document_uuid), None)


def issue_transfer_letter(user: User, case: Case, data: dict) -> Document:
    """案件移送函: the case handed to another authority (police, prosecutors …)."""
    return issue_document(user, "case_transfer_letter", {
        "receiving_authority": data.get("receiving_authority"),
        "case_ref": f"{case.violation_title}（{case.number}）",
        "party_name": case.party_name,
        "facts": data.get("facts") or next((s.details.get("facts") for s in reversed(case.steps)
                                            if s.action == "notify"), None),
        "reason": data.get("reason"),
        "attachments": data.get("attachments") or evidence_list(case, case_documents(case)),
        "contact": data.get("contact"),
    }, subject_type="case", subject_id=str(case.id))


def issue_disposition_document(user: User, disposition, inspection: Inspection, finding: dict) -> Document | None:
    """责令改正通知书 for a correction, 当场行政处罚决定书 for the simple procedure (about the
    inspection); None for the other kinds."""
    title = finding["violation"].get("title") or disposition.violation_code
    about = {"subject_type": "inspection", "subject_id": str(inspection.uuid)}
    if disposition.kind == "correction":
        return issue_document(user, "rectification_notice", _present({
            "party_name": inspection.subject_name,
            "violation": f"{title}。{disposition.note or ''}",
            "legal_basis": legal_basis(disposition.violation_code),
            "correction": f"立即停止违法行为，于{day_text(disposition.correction_due)}前改正：{title}。"
                          "逾期不改正的，依法处理。",
            "deadline": disposition.correction_due.isoformat()}), **about)
    if disposition.kind == "simple":
        from ..clock import to_local

        fine = disposition.penalty_fen
        return issue_document(user, "onsite_penalty_decision", _present({
            "party_name": inspection.subject_name,
            "party_code": inspection.subject_code,
            "time_place": f"{to_local(inspection.started_at):%Y年%m月%d日 %H:%M}，{place_of(inspection)}",
            "facts": f"{title}。{disposition.note or ''}",
            "legal_basis": legal_basis(disposition.violation_code),
            "penalty": f"罚款{yuan_text(fine)}" if fine else "警告",
            "payment": ("自收到本决定书之日起十五日内到指定银行或者通过电子支付系统缴纳罚款；逾期每日按罚款数额的"
                        "百分之三加处罚款。" if fine else "警告，无需缴纳罚款。"),
            "remedies": "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向"
                        "人民法院提起行政诉讼。",
            "officers": officers_of(inspection)}), **about)
    return None


def _present(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v is not None}
