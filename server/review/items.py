"""A record's answers item by item, as a reviewer and the printed record read them.

Each answered item of the form, in the form's order, with its label, the answer in words (option
labels, units, 符合/不符合), the evidence it names, its legal basis and the violation a failed
check stands for; failed checks first. The review page and the PDF share this one reading.
"""
from __future__ import annotations

from ..forms import service as forms
from ..forms.definition import CHECK_RESULTS
from ..inspections.models import Inspection

EVIDENCE_TYPES = {"photo", "audio", "video", "signature"}


def _number(value, item: dict) -> str:
    if isinstance(value, float):
        decimals = item.get("decimals")
        text = f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"
    else:
        text = str(value)
    unit = item.get("unit")
    return f"{text} {unit}" if unit else text


def answer_text(item: dict, value) -> str:
    """An answer in words, as printed."""
    kind = item["type"]
    if value is None or value == "" or value == []:
        return "—"
    if kind == "check":
        result = CHECK_RESULTS.get(value.get("result"), value.get("result"))
        return f"{result}：{value['note']}" if value.get("note") else result
    options = {o["value"]: o["label"] for o in item.get("options") or ()}
    if kind == "select":
        return options.get(value, str(value))
    if kind == "multiselect":
        return "、".join(options.get(v, str(v)) for v in value)
    if kind in ("integer", "decimal", "computed"):
        return _number(value, item)
    if kind in ("photo", "audio", "video"):
        return f"{len(value)} 个文件"
    if kind == "signature":
        return "已签名"
    if kind == "location":
        return f"{value.get('lat')}, {value.get('lon')}（精度 {value.get('accuracy')} 米）"
    if kind == "repeat":
        columns = {c["id"]: c for c in item.get("items") or ()}
        rows = []
        for number, row in enumerate(value, start=1):
            cells = "，".join(f"{columns[k]['label']} {answer_text(columns[k], v)}"
                             for k, v in row.items() if k in columns)
            rows.append(f"第 {number} 行：{cells}")
        return "；".join(rows)
    return str(value)


def _evidence_of(item: dict, value) -> list[str]:
    kind = item["type"]
    if kind == "check" and isinstance(value, dict):
        return list(value.get("photos") or [])
    if kind in ("photo", "audio", "video") and isinstance(value, list):
        return [str(v) for v in value]
    if kind == "signature" and value:
        return [str(value)]
    return []


def record_items(inspection: Inspection) -> list[dict]:
    """The answered items of `inspection`, failed checks first, then in the form's order."""
    return sorted(answered_items(inspection), key=lambda i: i["result"] != "fail")  # stable


def answered_items(inspection: Inspection) -> list[dict]:
    """The answered items of `inspection` in the form's order."""
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    comments = inspection.return_item_comments or {}
    if form is None:  # unknown form: the raw answers, still readable
        return [{"id": key, "label": key, "section": "", "type": "unknown", "answer": str(value),
                 "result": None, "note": None, "evidence": [], "legal_basis": [],
                 "violation": None, "comment": comments.get(key)}
                for key, value in inspection.answers.items()]
    items = []
    for section in form.definition["sections"]:
        for item in section["items"]:
            if item["type"] == "note":
                continue
            source = inspection.computed if item["type"] == "computed" else inspection.answers
            if item["id"] not in source and item["id"] not in comments:
                continue  # hidden or not answered
            value = source.get(item["id"])
            result = value.get("result") if item["type"] == "check" and isinstance(value, dict) else None
            items.append({
                "id": item["id"], "label": item["label"], "section": section["title"],
                "type": item["type"], "answer": answer_text(item, value), "result": result,
                "note": value.get("note") if result else None,
                "evidence": _evidence_of(item, value),
                "legal_basis": list(item.get("legal_basis") or ()),
                "violation": item.get("violation") if result == "fail" else None,
                "comment": comments.get(item["id"]),
            })
    return items


def item_ids(inspection: Inspection) -> set[str] | None:
    """Every item id of the record's form (None when the form is unknown)."""
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    return set(form.items) if form is not None else None


def form_legal_basis(inspection: Inspection) -> list[dict]:
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    return list(form.definition.get("legal_basis") or ()) if form is not None else []


def form_title(inspection: Inspection) -> str:
    form = forms.get_form_version(inspection.form_id, inspection.form_version)
    return form.title if form is not None else inspection.form_id
