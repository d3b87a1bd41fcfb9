"""A document laid out by WeasyPrint as PDF/A-2b from its type's template, with the Noto CJK
fonts embedded as subsets, and where its seal goes (the `#seal` box of _base.html).

PDF/A-2b rather than 3b: a seal added later as an incremental update (pyHanko) keeps the file's
PDF/A claim, and 2b allows the seal picture's transparency (PDF/A-1 does not). Nothing is
fetched while rendering: every URL but data: is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from flask import current_app

from ..clock import to_local
from ..pdf import render_pdf
from .models import Document
from .types import DocumentType, get_type

PDF_VARIANT = "pdf/a-2b"
CSS_PX_TO_PT = 0.75
SEAL_ANCHOR = "seal"


@dataclass(frozen=True)
class SealBox:
    """Where the seal goes: a page (0-based) and a box in PDF points from the bottom left."""

    page: int
    box: tuple[int, int, int, int]


def _environment() -> jinja2.Environment:
    envs = current_app.extensions.setdefault("document_templates", {})
    folder = str(current_app.config["DOCUMENTS_DIR"])
    if folder not in envs:
        envs[folder] = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                                          undefined=jinja2.StrictUndefined)
    return envs[folder]


def _value(doc_type: DocumentType, fields: dict):
    kinds = {f.name: f.kind for f in doc_type.fields}

    def value(name: str) -> str:
        v = fields.get(name)
        if v is None:
            return ""
        if kinds[name] == "date":
            return date.fromisoformat(v).strftime("%Y年%m月%d日")
        if kinds[name] == "list":
            return "；".join(v)
        return v
    return value


def document_html(document: Document, *, demo_seal: bool) -> str:
    doc_type = get_type(document.doc_type)
    return _environment().get_template(f"{doc_type.code}/template.html").render(
        doc_type=doc_type, number=document.number, uuid=str(document.uuid), fields=document.fields,
        labels=doc_type.labels, value=_value(doc_type, document.fields),
        bureau=current_app.config["BUREAU_NAME"], demo_seal=demo_seal,
        issued_on=to_local(document.issued_at).strftime("%Y年%m月%d日"))


def render_document(document: Document, *, demo_seal: bool) -> tuple[bytes, SealBox]:
    """The PDF/A and the box its seal covers (on the page holding the bureau's name and date),
    laid out in the worker's layout child (server/pdf.py)."""
    rendered = render_pdf(document_html(document, demo_seal=demo_seal),
                          str(Path(current_app.config["DOCUMENTS_DIR"])), name=f"document {document.uuid}",
                          anchors=(SEAL_ANCHOR,), pdf_variant=PDF_VARIANT,
                          pdf_identifier=document.uuid.hex.encode())
    box = None
    for index, page in enumerate(rendered.pages):
        if SEAL_ANCHOR in page.anchors:  # (left, top, right, bottom) in CSS px from the top left
            left, top, right, bottom = (v * CSS_PX_TO_PT for v in page.anchors[SEAL_ANCHOR])
            height = page.height * CSS_PX_TO_PT
            box = SealBox(index, (round(left), round(height - bottom), round(right), round(height - top)))
    if box is None:
        raise RuntimeError(f"{document.doc_type}/template.html: no #seal box (extend _base.html)")
    return rendered.pdf, box
