"""The bureau's list of supervision items (执法监管事项清单, P-5), built from the current forms.

One row per item that can be failed (a check item naming its violation), with its legal basis.
"""
from __future__ import annotations

import csv
import io

from .definition import DOMAIN_LABELS
from .service import current_versions

# CSV columns: key in a row -> zh-CN header as the bureau reads it in Excel.
CSV_COLUMNS = {
    "domain_label": "监管领域",
    "form_title": "检查表单",
    "form_id": "表单编号",
    "form_version": "表单版本",
    "item_id": "检查项编号",
    "item_label": "检查内容",
    "violation_code": "违法行为代码",
    "violation_title": "违法行为",
    "breached": "违反条款",
    "breached_excerpt": "条款内容（摘要）",
    "penalty": "处罚依据",
    "penalty_excerpt": "处罚依据内容（摘要）",
}


def _cite(basis: dict) -> str:
    return f"{basis['law']}{basis['article']}"


def supervision_items() -> list[dict]:
    """Every failable item of the current version of every form, in form and item order."""
    rows = []
    for form in sorted(current_versions(), key=lambda f: (f.domain, f.id)):
        for ref in form.items.values():
            violation = ref.item.get("violation")
            if violation is None:
                continue
            rows.append({
                "domain": form.domain,
                "domain_label": DOMAIN_LABELS[form.domain],
                "form_id": form.id,
                "form_version": form.version,
                "form_title": form.title,
                "item_id": ref.item["id"],
                "item_label": ref.item["label"],
                "violation_code": violation["code"],
                "violation_title": violation["title"],
                "breached": _cite(violation["breached"]),
                "breached_excerpt": violation["breached"]["excerpt"],
                "penalty": _cite(violation["penalty"]),
                "penalty_excerpt": violation["penalty"]["excerpt"],
            })
    return rows


def supervision_items_csv() -> bytes:
    """The list as CSV for Excel: UTF-8 with a BOM, CRLF line ends, zh-CN headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", *CSV_COLUMNS.values()])
    for number, row in enumerate(supervision_items(), start=1):
        writer.writerow([number, *(row[key] for key in CSV_COLUMNS)])
    return out.getvalue().encode("utf-8-sig")
