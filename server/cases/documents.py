"""The case's documents, printed as the record is printed today (HTML laid out by WeasyPrint).

`render_case_document(kind, case)` is the one seam: the documents feature (server/documents/,
numbered and sealed PDF/A) can replace its body without touching the procedure. Each kind exists
once the case has reached its step; before that it is `case.unknown_document`.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
from flask import current_app

from ..clock import to_local, utcnow
from ..errors import ApiError
from .case_models import ACTION_LABELS, SERVICE_LABELS, STATUS_LABELS, Case
from .deadlines import case_deadlines

TEMPLATES = Path(__file__).resolve().parent / "templates"
# kind -> (title, the action whose step the document records)
DOCUMENTS = {
    "opening": ("立案审批表", "approve_opening"),
    "interview": ("询问笔录", "add_interview"),
    "notice": ("行政处罚告知书", "notify"),
    "legal_review": ("重大执法决定法制审核意见书", "legal_opinion"),
    "decision": ("行政处罚决定书", "decide"),
    "service": ("送达回证", "serve"),
    "closing": ("结案报告", "close"),
}
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined)
_env.filters["local"] = lambda t: to_local(t).strftime("%Y年%m月%d日 %H:%M") if t else "—"
_env.filters["yuan"] = lambda fen: "—" if fen is None else f"{fen / 100:,.2f} 元"


def available_documents(case: Case) -> list[dict]:
    done = {step.action for step in case.steps}
    return [{"kind": kind, "title": title} for kind, (title, action) in DOCUMENTS.items()
            if action in done]


def case_document_html(kind: str, case: Case) -> str:
    if kind not in DOCUMENTS:
        raise ApiError("case.unknown_document")
    title, action = DOCUMENTS[kind]
    steps = [s for s in case.steps if s.action == action]
    if not steps:
        raise ApiError("case.unknown_document")
    return _env.get_template("case_document.html").render(
        bureau=current_app.config["BUREAU_NAME"], title=title, kind=kind, case=case, step=steps[-1],
        status_label=STATUS_LABELS[case.status], action_labels=ACTION_LABELS,
        service_labels=SERVICE_LABELS, deadlines=case_deadlines(case, to_local(utcnow()).date()),
        printed_at=utcnow())


def render_case_document(kind: str, case: Case) -> bytes:
    """The document `kind` of `case` as PDF bytes."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    html = weasyprint.HTML(string=case_document_html(kind, case), base_url=str(TEMPLATES),
                           url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return html.write_pdf()
