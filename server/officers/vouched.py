"""What the audit log vouches for in the officers' directory, for `audit verify` (see
server/audit/vouched.py):
- certificates: the holder, number, domains and validity of `officer.certificate_added`, the
  reason of `officer.certificate_revoked`; the rows migration 0010 copied from the users'
  columns (without entries) are vouched for by the one `officers.certificates_migrated` entry
  migration 0022 wrote, which lists each one's facts;
- conflicts of interest: the officer, target, reason and declarer of `officer.conflict_declared`,
  and the reason of `officer.conflict_withdrawn`.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit.vouched import Entry, VouchedKind, keyset_rows
from ..extensions import db
from .models import ConflictOfInterest, OfficerCertificate
from .service import CERTIFICATE_FACTS, certificate_facts

CHUNK = 2000


def _expect_certificate(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    if entry.action == "officer.certificate_added":
        yield entry.object_id, {name: details[name] for name in CERTIFICATE_FACTS}
    elif entry.action == "officer.certificate_revoked":
        yield entry.object_id, {"revoked_reason": details["reason"]}
    else:  # officers.certificates_migrated: the rows as they stood when first vouched for
        for row in details["certificates"]:
            yield str(row["id"]), {name: row[name] for name in CERTIFICATE_FACTS}


def _certificate_rows() -> Iterable[tuple[str, str, dict]]:
    for cert in keyset_rows(sa.select(OfficerCertificate), OfficerCertificate.id, chunk=CHUNK,
                            objects=True):
        yield str(cert.id), f"id {cert.id} ({cert.number})", certificate_facts(cert)


CERTIFICATES = VouchedKind(table="officer_certificates",
                           actions=("officer.certificate_added", "officer.certificate_revoked",
                                    "officers.certificates_migrated"),
                           expect=_expect_certificate, rows=_certificate_rows)


def _expect(entry: Entry) -> Iterable[tuple[str, dict]]:
    details = entry.details
    if entry.action == "officer.conflict_declared":
        yield entry.object_id, {"user_id": details["user_id"], "target_id": details["target_id"],
                                "reason": details["reason"], "declared_by_id": entry.actor_id,
                                "withdrawn_reason": None}
    else:
        yield entry.object_id, {"withdrawn_reason": details["reason"]}


def _rows() -> Iterable[tuple[str, str, dict]]:
    for row in db.session.execute(sa.select(ConflictOfInterest).order_by(ConflictOfInterest.id)).scalars():
        yield str(row.id), f"id {row.id}", {
            "user_id": row.user_id, "target_id": row.target_id, "reason": row.reason,
            "declared_by_id": row.declared_by_id, "withdrawn_reason": row.withdrawn_reason}


CONFLICTS = VouchedKind(table="officer_conflicts",
                        actions=("officer.conflict_declared", "officer.conflict_withdrawn"),
                        expect=_expect, rows=_rows)
