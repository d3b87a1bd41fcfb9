"""What the audit log vouches for about records and their listed evidence, for `audit verify`
(see server/audit/vouched.py).

- A revision's submitted content: `inspection.submitted` commits to its `record_sha256`
  (content.py); entries written before it existed commit to the hash of the record as sent, its
  revision, form, device and clock offset, which are compared instead.
- A revision's state: its status, evidence count and review fields, replayed from the
  submission, each evidence that arrived, its completion and each review decision.
- An evidence row: the SHA-256 and revision the submission listed it with, and whether it arrived.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind, keyset_rows
from .content import EVIDENCE_FIELDS, STATE_ACTIONS, record_sha256, revision_state, state_change
from .models import Evidence, Inspection

CHUNK = 500
# Columns of `inspections` copied as they are into the revision as the API shows it.
_PLAIN = ("uuid", "root_uuid", "revision", "replaces_uuid", "amendment_reason", "form_id",
          "form_version", "started_at", "finished_at", "received_at", "device_clock_offset_ms",
          "device_id", "app_version", "answers", "computed", "failed_checks", "evidence_expected",
          "content_hash")


def revision_view(values: dict, *, submitted_by: str, team: str | None,
                  officers: list[dict]) -> dict:
    """A revision's columns (`values`) in the shape InspectionSchema gives it, as far as
    content.record_facts reads it; `officers`: [{"username", "certificate_number"}] in order."""
    return {**{name: values[name] for name in _PLAIN}, "submitted_by": submitted_by, "team": team,
            "subject": {"kind": values["subject_kind"], "name": values["subject_name"],
                        "code": values["subject_code"], "description": values["subject_description"]},
            "place": {"latitude": values["place_latitude"], "longitude": values["place_longitude"],
                      "accuracy_m": values["place_accuracy_m"], "address": values["place_address"]},
            "officers": officers, "evidence": [{"uuid": u} for u in values["evidence_uuids"]]}


def stored_record_sha256(inspection: Inspection) -> str:
    """The content hash of a stored revision, recomputed from its rows."""
    values = {c.key: getattr(inspection, c.key) for c in Inspection.__table__.columns}
    view = revision_view(
        values, submitted_by=inspection.submitted_by.username,
        team=inspection.team.code if inspection.team else None,
        officers=[{"username": o.user.username, "certificate_number": o.certificate_number}
                  for o in inspection.officers])
    own = [{name: getattr(e, name) for name in EVIDENCE_FIELDS} for e in inspection.evidence]
    return record_sha256(view, own)


def _expect_inspection(entry: Entry) -> Iterable[tuple[str, dict]]:
    key, facts = state_change(entry.action, entry.object_id, entry.details)
    if entry.action == "inspection.submitted":
        details = entry.details
        if "record_sha256" in details:
            facts["record_sha256"] = details["record_sha256"]
        else:  # written before record hashes: what the entry named
            facts.update(content_hash=details["content_hash"], revision=details["revision"],
                         form=details["form"], replaces=details["replaces"],
                         device_id=details["device_id"],
                         device_clock_offset_ms=details["device_clock_offset_ms"])
    yield key, facts


def _inspection_rows() -> Iterable[tuple[str, str, dict]]:
    for row in keyset_rows(sa.select(Inspection), Inspection.uuid, chunk=CHUNK, objects=True):
        key = str(row.uuid)
        yield key, key, {
            "record_sha256": stored_record_sha256(row), "content_hash": row.content_hash,
            "revision": row.revision, "form": f"{row.form_id}@{row.form_version}",
            "replaces": str(row.replaces_uuid) if row.replaces_uuid else None,
            "device_id": row.device_id, "device_clock_offset_ms": row.device_clock_offset_ms,
            **revision_state({c.key: getattr(row, c.key) for c in Inspection.__table__.columns})}


INSPECTIONS = VouchedKind(
    table="inspections",
    actions=STATE_ACTIONS, expect=_expect_inspection, rows=_inspection_rows,
    labels={"record_sha256": "the submitted content: subject, place, answers, officers, "
                             "evidence listed, times"})


def _expect_evidence(entry: Entry) -> Iterable[tuple[str, dict]]:
    if entry.action == "inspection.submitted":
        for item in entry.details["evidence"]:
            yield item["uuid"], {"sha256": item["sha256"], "revision": entry.object_id,
                                 "received": False}
    else:
        yield entry.object_id, {"received": True}


def _evidence_rows() -> Iterable[tuple[str, str, dict]]:
    columns = (Evidence.uuid, Evidence.sha256, Evidence.inspection_uuid, Evidence.received_at)
    for uuid, sha256, inspection_uuid, received_at in keyset_rows(
            sa.select(*columns), Evidence.uuid, chunk=CHUNK * 10):
        yield str(uuid), str(uuid), {"sha256": sha256, "revision": str(inspection_uuid),
                                     "received": received_at is not None}


EVIDENCE = VouchedKind(table="evidence", actions=("inspection.submitted", "evidence.received"),
                       expect=_expect_evidence, rows=_evidence_rows)

