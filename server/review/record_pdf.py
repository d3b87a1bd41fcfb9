"""The printed record (现场检查笔录): HTML from a template, laid out by WeasyPrint into a PDF
(in the worker's layout child, server/pdf.py).

WeasyPrint embeds Debian's Noto CJK fonts (OpenType/CFF in .ttc, which reportlab cannot embed)
as subsets, so the Chinese text renders wherever the PDF is opened. Nothing is fetched while
rendering: images (signatures, the QR code) are data: URIs and every other URL is refused.
The QR code encodes `fieldcase:record:<uuid>:<content SHA-256>` so a printed copy can be
checked against the system.
"""
from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import jinja2
import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import to_local, utcnow
from ..evidence.models import EvidenceFile
from ..evidence.storage import get_stores
from ..extensions import db
from ..forms import service as forms
from ..inspections.models import SUBJECT_KINDS, Inspection
from ..pdf import render_pdf
from . import items
from .evidence import describe as describe_evidence
from .models import ACTION_LABELS, OPINION_LABELS
from .service import review_history

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT_LABELS = dict(zip(SUBJECT_KINDS, ("车辆", "船舶", "经营业户", "现场/路段", "个人"), strict=True))
SIGNATURE_MAX_PX = 800
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined)
_env.filters["local"] = lambda t: to_local(t).strftime("%Y年%m月%d日 %H:%M:%S") if t else "—"


def qr_payload(inspection: Inspection) -> str:
    """What the QR code says: the record's UUID and the SHA-256 of its content as submitted."""
    return f"fieldcase:record:{inspection.uuid}:{inspection.content_hash}"


def _qr_data_uri(text: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=4, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _signature_uri(file: EvidenceFile | None) -> str | None:
    """A received signature image, re-encoded by Pillow (never the phone's bytes as they came)."""
    if file is None or file.kind != "photo":
        return None
    from PIL import Image

    with get_stores().originals.open(file.sha256) as source, Image.open(source) as image:
        image.thumbnail((SIGNATURE_MAX_PX, SIGNATURE_MAX_PX))
        canvas = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        out = io.BytesIO()
        canvas.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _evidence(inspection: Inspection) -> tuple[list[dict], list[dict]]:
    listed = inspection.evidence_files
    files = {f.evidence_uuid: f for f in db.session.execute(sa.select(EvidenceFile).where(
        EvidenceFile.evidence_uuid.in_([e.uuid for e in listed]))).scalars()} if listed else {}
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    evidence, signatures = [], []
    for number, e in enumerate(listed, start=1):
        file = files.get(e.uuid)
        read = describe_evidence(form, e, file, number)
        evidence.append({"number": number, "item": read["item"], "kind": read["kind_label"],
                         "captured_at": e.captured_at, "received_at": e.received_at,
                         "exif_taken_at": file.exif_taken_at if file else None,
                         "sha256": e.sha256, "size": e.size, "flags": read["flags"]})
        if read["kind"] == "signature":
            signatures.append({"label": read["item"], "image": _signature_uri(file)})
    return evidence, signatures


def record_html(inspection: Inspection) -> str:
    """The record as HTML (what the PDF is laid out from)."""
    record_items = items.record_items(inspection)
    evidence, signatures = _evidence(inspection)
    actions = review_history(inspection)
    return _env.get_template("record.html").render(
        bureau=current_app.config["BUREAU_NAME"], inspection=inspection,
        form_title=items.form_title(inspection), subject_kind=SUBJECT_LABELS[inspection.subject_kind],
        officers=inspection.officers, items=record_items, legal_basis=items.form_legal_basis(inspection),
        evidence=evidence, signatures=signatures, qr=_qr_data_uri(qr_payload(inspection)),
        actions=actions, action_labels=ACTION_LABELS, opinion_labels=OPINION_LABELS,
        printed_at=utcnow())


def render_record(user: User, inspection: Inspection) -> bytes:
    """The PDF; printing it is an audit event naming the document's own SHA-256."""
    pdf = render_pdf(record_html(inspection), str(TEMPLATES), name=f"record {inspection.uuid}").pdf
    record_event("inspection.record_printed", actor=user, object_type="inspection",
                 object_id=inspection.uuid, details={
                     "revision": inspection.revision, "content_hash": inspection.content_hash,
                     "pdf_sha256": hashlib.sha256(pdf).hexdigest()})
    return pdf
