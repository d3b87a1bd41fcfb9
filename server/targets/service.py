"""Loading and reading the target directory: create or update targets by their key, keep each
change of credit class with its effective date, and audit every change.

A target's facts (`target_facts`) are what its audit entries vouch for (vouched.py): `target.created`
carries them all, `target.updated` the ones that changed (with their values before); a class
change adds a `TargetCreditClass` row and its `target.credit_class_set` entry.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..audit.service import record_event, record_events
from ..clock import utcnow
from ..extensions import db
from ..forms.service import current_versions
from ..inspections.content import normal_form
from .models import KEY_KIND_OF_CATEGORY, Target, TargetCreditClass, TargetItem

# The facts of a target its entries vouch for, in this order.
FACTS = ("category", "key_kind", "key", "name", "credit_code", "licence_numbers", "address",
         "area_code", "area_name", "latitude", "longitude", "credit_class", "credit_class_since",
         "form_ids", "retired")
# What an import row sets (everything but the key and what follows from it).
ROW_FIELDS = ("category", "name", "credit_code", "licence_numbers", "address", "area_code",
              "area_name", "latitude", "longitude", "form_ids")


def target_facts(target: Target) -> dict:
    """The target as its audit entries describe it (JSON values)."""
    return normal_form({
        **{name: getattr(target, name) for name in FACTS[:-3]},
        "credit_class_since": target.credit_class_since.isoformat(),
        "form_ids": sorted(target.form_ids), "retired": target.retired_at is not None})


def form_domains() -> dict[str, str]:
    """form id -> its domain (执法类别), from the current forms."""
    return {form.id: form.domain for form in current_versions()}


def target_domains(target: Target) -> list[str]:
    """The domains (执法类别) of the supervision items that apply to a target."""
    domains = form_domains()
    return sorted({domains[f] for f in target.form_ids if f in domains})


@dataclass
class LoadSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    class_changes: int = 0
    target_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "class_changes": self.class_changes}


def targets_by_key(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Target]:
    """Stored targets by (key_kind, key), one query per 500 keys."""
    keys = list(set(keys))
    found = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        query = sa.select(Target).where(sa.tuple_(Target.key_kind, Target.key).in_(chunk))
        found.update({(t.key_kind, t.key): t for t in db.session.execute(query).scalars()})
    return found


def class_date_problem(target: Target | None, credit_class: str, effective: date) -> str | None:
    """Why a class change cannot be recorded on this date (None: it can, or nothing changes)."""
    if target is None or target.credit_class == credit_class:
        return None
    if effective < target.credit_class_since:
        return (f"信用等级生效日期 {effective.isoformat()} 早于现有等级（{target.credit_class}）的"
                f"生效日期 {target.credit_class_since.isoformat()}，请核对。")
    return None


def load_targets(rows: list[dict], *, actor, source: str) -> LoadSummary:
    """Create or update each row's target by its key, in the caller's transaction. Each row:
    ROW_FIELDS, `key`, `credit_class` and `class_effective` (a date). Rows are valid already
    (importer.py). Audits each change; the caller audits the load as a whole."""
    now = utcnow()
    stored = targets_by_key((KEY_KIND_OF_CATEGORY[r["category"]], r["key"]) for r in rows)
    summary, events, classes = LoadSummary(rows=len(rows)), [], []
    for row in rows:
        key = (KEY_KIND_OF_CATEGORY[row["category"]], row["key"])
        target = stored.get(key)
        if target is None:
            target = _new_target(row, key, now)
            stored[key] = target
            summary.created += 1
            classes.append(target)
            events.append(("target.created", target, None))
            continue
        before = target_facts(target)
        class_changed = target.credit_class != row["credit_class"]
        _apply(target, row, now)
        if class_changed:
            target.credit_class, target.credit_class_since = row["credit_class"], row["class_effective"]
            target.updated_at = now
            classes.append(target)
            summary.class_changes += 1
        after = target_facts(target)
        if after == before:
            summary.unchanged += 1
            continue
        summary.updated += 1
        events.append(("target.updated", target, before))
    db.session.flush()
    history = [TargetCreditClass(target_id=t.id, credit_class=t.credit_class,
                                 effective_date=t.credit_class_since, source=source,
                                 recorded_by_id=getattr(actor, "id", None), recorded_at=now)
               for t in classes]
    db.session.add_all(history)
    db.session.flush()
    summary.target_ids = sorted({t.id for t in stored.values()})
    record_events([_change_event(action, target, before) for action, target, before in events]
                  + [_class_event(h, source) for h in history], actor=actor)
    return summary


def _new_target(row: dict, key: tuple[str, str], now) -> Target:
    target = Target(key_kind=key[0], key=key[1], credit_class=row["credit_class"],
                    credit_class_since=row["class_effective"], created_at=now, updated_at=now)
    _apply(target, row, now)
    db.session.add(target)
    return target


def _apply(target: Target, row: dict, now) -> None:
    for name in ROW_FIELDS[:-1]:
        if getattr(target, name) != row[name]:
            setattr(target, name, row[name])
            target.updated_at = now
    wanted = set(row["form_ids"])
    if set(target.form_ids) != wanted:
        for item in [i for i in target.items if i.form_id not in wanted]:
            target.items.remove(item)
        target.items.extend(TargetItem(form_id=f) for f in sorted(wanted - set(target.form_ids)))
        target.updated_at = now


def _change_event(action: str, target: Target, before: dict | None) -> dict:
    facts = target_facts(target)
    details = {"facts": facts} if before is None else {
        "changed": {k: v for k, v in facts.items() if before.get(k) != v},
        "before": {k: before.get(k) for k, v in facts.items() if before.get(k) != v}}
    return {"action": action, "object_type": "target", "object_id": target.id,
            "details": {"key_kind": target.key_kind, "key": target.key, **details}}


def _class_event(row: TargetCreditClass, source: str) -> dict:
    return {"action": "target.credit_class_set", "object_type": "target", "object_id": row.target_id,
            "details": {"history_id": row.id, "credit_class": row.credit_class,
                        "effective_date": row.effective_date.isoformat(), "source": source}}


def record_import(*, actor, file_sha256: str, filename: str, summary: LoadSummary) -> None:
    """The one audit entry of a whole import: the file's SHA-256, its name and the counts."""
    record_event("targets.imported", actor=actor, object_type="target_import", object_id=file_sha256[:16],
                 details={"file_sha256": file_sha256, "filename": filename, **summary.counts()})


def get_target(target_id: int) -> Target | None:
    return db.session.get(Target, target_id)


def list_targets(*, category: str | None = None, credit_class: str | None = None,
                 area: str | None = None, q: str | None = None, limit: int = 100,
                 after_id: int = 0) -> list[Target]:
    """Targets in id order, filtered; `area` matches the area code's prefix or the area name."""
    query = sa.select(Target).where(Target.id > after_id, Target.retired_at.is_(None))
    if category:
        query = query.where(Target.category == category)
    if credit_class:
        query = query.where(Target.credit_class == credit_class)
    if area:
        query = query.where(sa.or_(Target.area_code.startswith(area), Target.area_name == area))
    if q:
        like = f"%{q}%"
        query = query.where(sa.or_(Target.name.like(like), Target.key.like(like.upper())))
    return list(db.session.execute(query.order_by(Target.id).limit(limit)).scalars())


def class_history(target: Target) -> list[TargetCreditClass]:
    return list(db.session.execute(sa.select(TargetCreditClass).where(
        TargetCreditClass.target_id == target.id).order_by(
        TargetCreditClass.effective_date, TargetCreditClass.id)).scalars())
