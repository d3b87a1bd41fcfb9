"""An archive package's metadata (the manifest's `archive` section), after the elements of
GB/T 18894-2016 《电子文件归档与电子档案管理规范》 and DA/T 46 (文书类电子文件元数据方案): archive
number (档号), fonds (全宗), category (门类), year (年度), retention (保管期限), title (题名),
responsible body (责任者), dates, party, the items in it, and the package's own structure.
# legal-review: element names and the 档号 layout (全宗号-门类代码·年度-保管期限代码-件号) are
# modelled on GB/T 18894 / DA/T 22 as commonly applied, not checked against the official texts.
"""
from __future__ import annotations

import uuid as uuidlib

from flask import current_app

from ..clock import to_local, utcnow
from ..documents.types import get_type
from .models import RETENTIONS

CATEGORY_DEFAULTS = {"inspection": "30年", "case": "永久"}
CATEGORY_CODES = {"inspection": "JC", "case": "CF"}
RETENTION_CODES = {"永久": "Y", "30年": "D30", "10年": "D10"}
CATEGORY_LABELS = {"inspection": "行政检查", "case": "行政处罚案件"}


def retention_overrides() -> dict[str, str]:
    """ARCHIVE_RETENTION ("inspection=30年,penalty_decision=永久") as a mapping."""
    overrides = {}
    for part in (current_app.config.get("ARCHIVE_RETENTION") or "").split(","):
        if part.strip():
            key, _, value = part.partition("=")
            if value.strip() not in RETENTIONS:
                raise ValueError(f"FIELDCASE_ARCHIVE_RETENTION: {part!r}: 保管期限 must be one of {RETENTIONS}")
            overrides[key.strip()] = value.strip()
    return overrides


def package_retention(category: str, doc_types: list[str]) -> str:
    """The longest retention of the category and of every document type in the package."""
    overrides = retention_overrides()
    periods = [overrides.get(category, CATEGORY_DEFAULTS[category])]
    periods += [overrides.get(t, get_type(t).retention) for t in doc_types]
    return min(periods, key=RETENTIONS.index)  # RETENTIONS runs from the longest


def archive_metadata(*, kind: str, category: str, serial: int, case, documents: list, letter) -> dict:
    """The `archive` section; the export entry signs its SHA-256."""
    inspection = case.inspection
    created = utcnow()
    year = to_local(created).year
    retention = package_retention(category, sorted({d.doc_type for d in documents}))
    fonds = current_app.config["ARCHIVE_FONDS"]
    prefix = "YS-" if kind == "transfer" else ""
    party = inspection.subject_name or next((d.party for d in documents if d.party), None)
    bureau = current_app.config["BUREAU_NAME"]
    title = (f"{bureau}对{party}的现场检查（{to_local(inspection.started_at):%Y年%m月%d日}）"
             if category == "inspection" else f"{party}行政处罚案件")
    if kind == "transfer":
        title = f"{title}移送材料（{letter.fields['receiving_authority']}）"
    return {
        "standard": "GB/T 18894-2016",
        "archive_uuid": str(uuidlib.uuid4()),
        "archive_no": f"{prefix}{fonds}-{CATEGORY_CODES[category]}·{year}-{RETENTION_CODES[retention]}-{serial:04d}",
        "kind": kind,
        "fonds": bureau,
        "category": CATEGORY_LABELS[category],
        "year": year,
        "retention": retention,
        "title": title,
        "responsible": bureau,
        "party": party,
        "date_range": [to_local(inspection.started_at).date().isoformat(), to_local(created).date().isoformat()],
        "archived_at": created.isoformat(),
        "items": [{"number": d.number, "title": get_type(d.doc_type).title, "doc_type": d.doc_type,
                   "retention": retention_overrides().get(d.doc_type, get_type(d.doc_type).retention),
                   "sealed": d.state == "signed"} for d in documents],
        "evidence_count": len(case.files),
        "transfer": ({"letter_number": letter.number,
                      "receiving_authority": letter.fields["receiving_authority"]} if letter else None),
        "structure": {"manifest.json": "元数据、检查记录、全过程记录（含包含证明）、签名检查点",
                      "evidence/": "证据原件", "documents/": "已盖电子印章的执法文书（PDF/A）",
                      "README.txt": "校验说明"},
    }
