"""The fields of each document a case step issues, taken from the case, its inspection, its
steps and the step's own input. A value the case does not have is left out (None), never
invented: server/documents then refuses the document naming the missing field in Chinese, and
the step with it (case_documents.issue_step_document).

# legal-review: the fixed wording below (the interview notice, the rights, the performance and
# remedies) paraphrases 《行政处罚法》第四十四条、第四十五条、第六十三条、第六十七条、第七十二条 and
# 《行政复议法》/《行政诉讼法》's time limits (60 days, 6 months) as the author knows them.
"""
from __future__ import annotations

from datetime import date

from flask import current_app

from ..accounts.models import User
from ..clock import to_local
from ..discretion import service as discretion
from ..extensions import db
from ..inspections.models import Inspection
from .case_models import SERVICE_LABELS, Case, CaseStep
from .deadlines import HEARING_WORKING_DAYS, PAYMENT_DAYS, STATEMENT_WORKING_DAYS


def day_text(day: date | None) -> str | None:
    return f"{day.year}年{day.month}月{day.day}日" if day else None


def yuan_text(fen: int | None) -> str | None:
    return None if fen is None else f"人民币 {fen / 100:,.2f} 元"


def inspection_of(case: Case) -> Inspection:
    return db.session.get(Inspection, case.inspection_uuid)


def officers_of(inspection: Inspection) -> list[str]:
    return [f"{o.user.display_name}（执法证号 {o.certificate_number}）" for o in inspection.officers]


def legal_basis(violation_code: str) -> str | None:
    """违反 … 依据 … from the discretion benchmark of the violation (None: no benchmark)."""
    found = discretion.find_violation(violation_code)
    if found is None:
        return None
    violation = found[1]
    breached = violation["breached"]
    punish = "、".join(f"{b['law']}{b['article']}" for b in violation["penalty_basis"])
    return f"违反了{breached['law']}{breached['article']}的规定，依据{punish}的规定处理。"


def place_of(inspection: Inspection) -> str:
    if inspection.place_address:
        return inspection.place_address
    if inspection.place_latitude is not None:
        return f"北纬 {inspection.place_latitude:.5f}，东经 {inspection.place_longitude:.5f}"
    return "—"


def _steps(case: Case, action: str) -> list[CaseStep]:
    return [s for s in case.steps if s.action == action]


def _case_ref(case: Case) -> str:
    return f"{case.violation_title}（{case.number}）"


def evidence_list(case: Case, documents: list) -> list[str]:
    """The evidence the case relies on: the inspection record and its files, linked records, and
    the interview records issued so far (`documents`: the case's documents)."""
    inspection = inspection_of(case)
    lines = [f"现场检查记录（{to_local(inspection.started_at):%Y年%m月%d日}，记录 {inspection.uuid}，"
             f"内容 SHA-256 {inspection.content_hash}）"]
    lines += [f"现场取证文件 {n}：SHA-256 {e.sha256}" for n, e in enumerate(inspection.evidence_files, 1)]
    lines += [f"关联检查记录 {s.details['inspection_uuid']}" for s in _steps(case, "link_evidence")]
    lines += [f"询问笔录 {d.number}（被询问人 {d.fields.get('interviewee')}）"
              for d in documents if d.doc_type == "inquiry_record"]
    return lines


def filing_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    inspection = inspection_of(case)
    from .models import Disposition

    disposition = db.session.get(Disposition, case.disposition_id)
    note = f"{disposition.note}" if disposition.note else ""
    return {
        "case_source": f"行政检查中发现（检查记录 {inspection.uuid}）",
        "cause": f"涉嫌{case.violation_title}",
        "accepted_on": to_local(case.proposed_at).date().isoformat(),
        "party_name": case.party_name,
        "party_code": inspection.subject_code,
        "summary": f"{to_local(inspection.started_at):%Y年%m月%d日}，执法人员在{place_of(inspection)}对"
                   f"{case.party_name}进行现场检查，发现：{case.violation_title}。{note}",
        "handler_opinion": f"{disposition.proposed_by.display_name}：建议立案调查。",
        "approver_opinion": step.details.get("opinion") or
        f"同意立案。（{user.display_name}，{day_text(case.opened_on)}）",
    }


def inquiry_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    d = step.details
    bureau = current_app.config["BUREAU_NAME"]
    return {
        "period": d.get("period") or day_text(date.fromisoformat(d["on"])),
        "place": d.get("place"),
        "interviewee": d.get("interviewee"),
        "interviewee_id": d.get("interviewee_id"),
        "relation": d.get("relation"),
        "officers": officers_of(inspection_of(case)),
        "recorder": user.display_name,
        "notice": f"我们是{bureau}的执法人员，已向你出示执法证件。现依法向你询问，你应当如实回答；"
                  "你有陈述和申辩的权利，对与案件无关的问题有权拒绝回答；认为执法人员与本案有利害关系的，"
                  "有权申请回避。",
        "questions_answers": [line for line in (d.get("summary") or "").splitlines() if line.strip()],
    }


def notice_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    d = step.details
    verdict = d["discretion"]
    days = (f"{STATEMENT_WORKING_DAYS} 个工作日内提出陈述、申辩" +
            (f"；拟作出较大数额罚款，你有权在 {HEARING_WORKING_DAYS} 个工作日内要求听证"
             if case.hearing_eligible else ""))
    return {
        "party_name": case.party_name,
        "facts": d.get("facts"),
        "evidence": evidence_list(case, documents),
        "legal_basis": legal_basis(case.violation_code),
        "intended_penalty": (f"拟处罚款{yuan_text(case.proposed_fine_fen)}（裁量基准：{verdict['level']}，"
                             f"{verdict['explanation']}）" if case.proposed_fine_fen else
                             f"拟予警告（裁量基准：{verdict['level']}）"),
        "rights": f"根据《中华人民共和国行政处罚法》第四十四条、第四十五条，你有权自收到本告知书之日起{days}。"
                  "逾期未提出的，视为放弃上述权利。",
    }


def statements_heard(case: Case, step: CaseStep) -> str | None:
    """What the party said, and why it was or was not accepted (the decision's own input)."""
    said = [s.details.get("statement") for s in _steps(case, "record_statement") if not s.details.get("waived")]
    said += [f"听证：{s.details['summary']}" for s in _steps(case, "record_hearing") if s.details.get("summary")]
    if not said:
        return "当事人在法定期限内未提出陈述、申辩。"
    assessment = step.details.get("statement_assessment")
    if not assessment:
        return None  # heard, but not answered: the decision must say why it accepts it or not
    return f"当事人陈述、申辩：{'；'.join(said)}。采纳情况及理由：{assessment}"


def decision_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    d = step.details
    verdict = d["discretion"]
    notice = _steps(case, "notify")[-1].details
    found = discretion.find_violation(case.violation_code)
    source = f"《{found[0].title}》（第 {verdict['benchmark']['version']} 版）" if found else "裁量基准"
    level = [f"适用{source}，裁量情形：{verdict['level']}；{verdict['explanation'].rstrip('。')}。"]
    level += list(verdict.get("reasoning") or [])
    reasons = dict.fromkeys(r for r in (notice["discretion"].get("reason_outside_benchmark"),
                                        verdict.get("reason_outside_benchmark")) if r)
    level += [f"超出裁量基准的理由：{r}" for r in reasons]
    if d.get("reasoning") not in reasons:
        level.append(f"决定理由：{d.get('reasoning')}")
    return {
        "party_name": case.party_name,
        "party_code": inspection_of(case).subject_code,
        "facts_found": notice.get("facts"),
        "evidence_relied_on": evidence_list(case, documents),
        "statements_heard": statements_heard(case, step),
        "legal_basis": legal_basis(case.violation_code),
        "benchmark_level": "\n".join(level),
        "penalty": f"罚款{yuan_text(case.fine_fen)}" if case.fine_fen else "警告",
        "performance": f"自收到本决定书之日起 {PAYMENT_DAYS} 日内缴纳罚款。到期不缴纳的，每日按罚款数额的"
                       "百分之三加处罚款，加处罚款的数额不超过罚款的数额（《中华人民共和国行政处罚法》第六十七条、"
                       "第七十二条）。",
        "remedies": "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向"
                    "人民法院提起行政诉讼。复议、诉讼期间，本决定不停止执行。",
    }


def service_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    d = step.details
    decisions = [f"行政处罚决定书（{x.number}）" for x in documents if x.doc_type == "penalty_decision"]
    return {
        "case_ref": _case_ref(case),
        "served_documents": decisions,
        "recipient": d.get("recipient"),
        "served_at": day_text(case.served_on),
        "served_place": d.get("place"),
        "method": SERVICE_LABELS[case.service_method],
        "servers": [user.display_name],
        "note": d.get("receipt"),
    }


def closing_fields(case: Case, step: CaseStep, user: User, documents: list) -> dict:
    decisions = [x.number for x in documents if x.doc_type == "penalty_decision"]
    payments = [s.details for s in _steps(case, "record_payment")]
    paid = "；".join(f"{p.get('paid_on')} 缴纳{yuan_text(p.get('amount_fen'))}（{p.get('reference')}）"
                    for p in payments)
    outcome = (f"决定罚款{yuan_text(case.fine_fen)}，已缴{yuan_text(case.paid_fen)}：{paid}。"
               if case.fine_fen else "决定予以警告，已执行完毕。")
    return {
        "case_ref": _case_ref(case),
        "party_name": case.party_name,
        "decision_ref": decisions[-1] if decisions else None,
        "outcome": outcome,
        "handler_opinion": step.details.get("summary"),
        "approver_opinion": f"同意结案。（{user.display_name}，{day_text(case.closed_on)}）",
    }


# action -> (document type, its fields)
STEP_DOCUMENTS = {
    "approve_opening": ("case_filing_approval", filing_fields),
    "add_interview": ("inquiry_record", inquiry_fields),
    "notify": ("penalty_notice", notice_fields),
    "decide": ("penalty_decision", decision_fields),
    "serve": ("service_receipt", service_fields),
    "close": ("case_closing_approval", closing_fields),
}
