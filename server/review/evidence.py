"""What a reviewer reads about each evidence file of an inspection: the item it belongs to by its
label (never `within_limit.photos`), its kind in words (a signature is 签名, not 照片), and its
flags in human units (3 天, 5 小时 20 分钟, 94 公里, not "4320 分钟", "93990 米").

The review page and the printed record share this one reading. Flags are stored as the server
raised them (code, values, the text of the day); the words are made here from the code and values.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..evidence.facts import FLAG_TEXT, flag_detail
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..forms import service as forms
from ..forms.loader import FormVersion
from ..inspections.models import Evidence, Inspection

KIND_LABELS = {"photo": "照片", "audio": "录音", "video": "录像", "signature": "签名"}
_PATH = re.compile(r"^(?P<head>[^.\[]+)(?:\[(?P<row>\d+)\])?(?:\.(?P<tail>.+))?$")


def flag_text(flag: dict) -> str:
    """A stored flag in words, made anew from its code and values (a flag stored before its text
    said 3 天 still says "4320 分钟" in its detail; the row is vouched for and stays as it is)."""
    code = flag.get("code")
    if code in FLAG_TEXT and ("minutes" in flag or "metres" in flag):
        try:
            return flag_detail(code, flag)
        except (KeyError, TypeError, ValueError):
            pass
    return flag.get("detail") or code or ""


def item_label(form: FormVersion | None, path: str) -> str:
    """The label of the item an evidence path names: `within_limit.photos` -> its check's label
    and 取证照片; `axles[1].photo` -> the repeat's label, 第 2 行, the column's label."""
    match = _PATH.match(path)
    if form is None or match is None or match["head"] not in form.items:
        return path
    item = form.items[match["head"]].item
    label = item["label"]
    if match["row"] is not None:
        label += f" 第 {int(match['row']) + 1} 行"
    if match["tail"]:
        columns = {c["id"]: c for c in item.get("items") or ()}
        column = columns.get(match["tail"])
        label += f" {column['label']}" if column else ("（取证照片）" if match["tail"] == "photos" else "")
    return label


def _kind(form: FormVersion | None, evidence: Evidence, file: EvidenceFile | None) -> str:
    match = _PATH.match(evidence.item_id)
    ref = form.items.get(match["head"]) if form is not None and match else None
    if ref is not None and ref.item["type"] == "signature":
        return "signature"
    return file.kind if file is not None else evidence.media_type.split("/")[0].replace("image", "photo")


def _files(evidence: list[Evidence]) -> dict:
    if not evidence:
        return {}
    return {f.evidence_uuid: f for f in db.session.execute(sa.select(EvidenceFile).where(
        EvidenceFile.evidence_uuid.in_([e.uuid for e in evidence]))).scalars()}


def describe(form: FormVersion | None, evidence: Evidence, file: EvidenceFile | None, number: int) -> dict:
    """One file as a reviewer reads it: which item, which kind, numbered within its item."""
    kind = _kind(form, evidence, file)
    return {"uuid": str(evidence.uuid), "item_id": evidence.item_id, "item": item_label(form, evidence.item_id),
            "kind": kind, "kind_label": KIND_LABELS.get(kind, kind), "number": number,
            "flags": [{"code": f.get("code"), "text": flag_text(f)} for f in (file.flags if file else [])]}


def case_evidence(inspection: Inspection) -> dict[str, dict]:
    """Every file any revision of the inspection lists, by UUID (str), as a reviewer reads it.

    Labels come from the form version of the revision that first listed the file."""
    revisions = inspection.revisions
    forms_of = {r.uuid: forms.get_form_version(r.form_id, r.form_version) for r in revisions}
    evidence = list(db.session.execute(
        sa.select(Evidence).where(Evidence.inspection_uuid.in_(list(forms_of)))).scalars())
    files = _files(evidence)
    revision_no = {r.uuid: r.revision for r in revisions}
    counted: dict[str, int] = {}
    described = {}
    for e in sorted(evidence, key=lambda e: (revision_no[e.inspection_uuid], e.position)):
        head = re.split(r"[.\[]", e.item_id)[0]
        counted[head] = counted.get(head, 0) + 1
        described[str(e.uuid)] = describe(forms_of[e.inspection_uuid], e, files.get(e.uuid), counted[head])
    return described


def flag_summary(inspection: Inspection, described: dict[str, dict]) -> list[dict]:
    """The flags of the files this revision lists (not those of files an amendment replaced)."""
    return [{"evidence_uuid": uuid, "item": d["item"], "kind_label": d["kind_label"],
             "number": d["number"], "code": f["code"], "text": f["text"]}
            for uuid in inspection.evidence_uuids if (d := described.get(uuid))
            for f in d["flags"]]
