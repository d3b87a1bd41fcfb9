"""What an amendment changed: the revision beside the one it replaces, item by item (answers and
evidence), and the inspection's own facts (subject, place), so a reviewer reads only the changes."""
from __future__ import annotations

from ..extensions import db
from ..inspections.models import Inspection
from .items import answered_items

_FACTS = (("subject", "被检查对象", lambda r: "，".join(
              filter(None, (r.subject_name, r.subject_code, r.subject_description)))),
          ("place", "检查地点", lambda r: r.place_address or "—"))


def _side(item: dict | None) -> dict:
    return {"answer": item["answer"] if item else "—", "evidence": item["evidence"] if item else []}


def revision_changes(inspection: Inspection) -> dict | None:
    """The changes from the replaced revision to `inspection` (None for a first revision)."""
    if inspection.replaces_uuid is None:
        return None
    previous = db.session.get(Inspection, inspection.replaces_uuid)
    rows = [{"id": key, "label": label, "before": {"answer": read(previous), "evidence": []},
             "after": {"answer": read(inspection), "evidence": []}, "added": [], "removed": []}
            for key, label, read in _FACTS if read(previous) != read(inspection)]
    before = {i["id"]: i for i in answered_items(previous)}
    after = {i["id"]: i for i in answered_items(inspection)}
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = _side(before.get(key)), _side(after.get(key))
        if old == new:
            continue
        rows.append({"id": key, "label": (after.get(key) or before[key])["label"], "before": old, "after": new,
                     "added": [u for u in new["evidence"] if u not in old["evidence"]],
                     "removed": [u for u in old["evidence"] if u not in new["evidence"]]})
    return {"previous_uuid": str(previous.uuid), "previous_revision": previous.revision,
            "amendment_reason": inspection.amendment_reason, "items": rows}
