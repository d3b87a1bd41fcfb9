"""The officers' directory: certificates (执法证) with the domains they cover, absences, and
conflicts of interest; and what the draw asks of it (`eligible_officers`, `conflicts_for`).

Every change is an audit entry. The user's own certificate columns mirror the certificate that
counts today (the newest valid one), so that sync's 持证上岗 check and the API keep working.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import local_today, utcnow
from ..errors import ApiError
from ..extensions import db
from .models import ConflictOfInterest, OfficerAbsence, OfficerCertificate


@dataclass(frozen=True)
class EligibleOfficer:
    """An officer the draw may send on a day, with the certificate that covers the domain."""

    user_id: int
    username: str
    display_name: str
    team: str | None
    certificate_id: int
    certificate_number: str


# What an entry commits to about a certificate (and `audit verify` compares with the row).
CERTIFICATE_FACTS = ("user_id", "number", "domains", "valid_from", "valid_until", "revoked_reason")


def certificate_facts(cert: OfficerCertificate) -> dict:
    """A certificate's facts as its audit entries state them."""
    return {"user_id": cert.user_id, "number": cert.number, "domains": sorted(cert.domains),
            "valid_from": cert.valid_from.isoformat(), "valid_until": cert.valid_until.isoformat(),
            "revoked_reason": cert.revoked_reason}


def certificates_of(user: User) -> list[OfficerCertificate]:
    return list(db.session.execute(sa.select(OfficerCertificate).where(
        OfficerCertificate.user_id == user.id).order_by(OfficerCertificate.valid_from,
                                                        OfficerCertificate.id)).scalars())


def _mirror_current(user: User) -> None:
    """The user's certificate columns: the newest certificate valid today, else the newest not
    revoked (an expired one still says which number the officer held), else none."""
    certs = [c for c in certificates_of(user) if c.revoked_at is None]
    today = local_today()
    valid = [c for c in certs if c.valid_on(today)]
    current = (valid or certs or [None])[-1]
    user.certificate_number = current.number if current else None
    user.certificate_valid_from = current.valid_from if current else None
    user.certificate_valid_until = current.valid_until if current else None
    user.updated_at = utcnow()


def add_certificate(user: User, *, number: str, domains: list[str], valid_from: date,
                    valid_until: date, actor) -> OfficerCertificate:
    """Record a certificate of `user` (a renewal adds a row; the old one stays in the history)."""
    if db.session.execute(sa.select(OfficerCertificate.id).filter_by(user_id=user.id, number=number)).first():
        raise ApiError("officers.certificate_exists")
    cert = OfficerCertificate(user_id=user.id, number=number, domains=sorted(set(domains)),
                              valid_from=valid_from, valid_until=valid_until, created_at=utcnow())
    db.session.add(cert)
    db.session.flush()
    _mirror_current(user)
    record_event("officer.certificate_added", actor=actor, object_type="officer_certificate",
                 object_id=cert.id, details={"username": user.username, **certificate_facts(cert)})
    return cert


def revoke_certificate(cert: OfficerCertificate, *, reason: str, actor) -> OfficerCertificate:
    if cert.revoked_at is not None:
        raise ApiError("officers.already_revoked")
    cert.revoked_at, cert.revoked_reason = utcnow(), reason
    db.session.flush()
    _mirror_current(cert.user)
    record_event("officer.certificate_revoked", actor=actor, object_type="officer_certificate",
                 object_id=cert.id, details={"username": cert.user.username, "reason": reason})
    return cert


def add_absence(user: User, *, kind: str, starts_on: date, ends_on: date, note: str | None = None,
                actor) -> OfficerAbsence:
    absence = OfficerAbsence(user_id=user.id, kind=kind, starts_on=starts_on, ends_on=ends_on,
                             note=note, created_by_id=actor.id, created_at=utcnow())
    db.session.add(absence)
    db.session.flush()
    record_event("officer.absence_added", actor=actor, object_type="officer_absence",
                 object_id=absence.id, details={"username": user.username, "kind": kind,
                                                "starts_on": starts_on.isoformat(),
                                                "ends_on": ends_on.isoformat(), "note": note})
    return absence


def cancel_absence(absence: OfficerAbsence, *, actor) -> OfficerAbsence:
    if absence.cancelled_at is None:
        absence.cancelled_at = utcnow()
        db.session.flush()
        record_event("officer.absence_cancelled", actor=actor, object_type="officer_absence",
                     object_id=absence.id, details={"user_id": absence.user_id})
    return absence


def declare_conflict(user: User, target_id: int, *, reason: str, actor) -> ConflictOfInterest:
    """An officer–target pair the officer steps aside from (回避)."""
    if db.session.execute(sa.select(ConflictOfInterest.id).filter_by(
            user_id=user.id, target_id=target_id, withdrawn_at=None)).first():
        raise ApiError("officers.conflict_exists")
    conflict = ConflictOfInterest(user_id=user.id, target_id=target_id, reason=reason,
                                  declared_by_id=actor.id, declared_at=utcnow())
    db.session.add(conflict)
    db.session.flush()
    record_event("officer.conflict_declared", actor=actor, object_type="officer_conflict",
                 object_id=conflict.id, details={"user_id": user.id, "username": user.username,
                                                 "target_id": target_id, "reason": reason})
    return conflict


def withdraw_conflict(conflict: ConflictOfInterest, *, reason: str, actor) -> ConflictOfInterest:
    if conflict.withdrawn_at is not None:
        raise ApiError("officers.conflict_withdrawn")
    conflict.withdrawn_at, conflict.withdrawn_reason = utcnow(), reason
    db.session.flush()
    record_event("officer.conflict_withdrawn", actor=actor, object_type="officer_conflict",
                 object_id=conflict.id, details={"reason": reason})
    return conflict


def absent_on(day: date) -> set[int]:
    """Ids of users with an absence (not cancelled) covering `day`."""
    return set(db.session.execute(sa.select(OfficerAbsence.user_id).where(
        OfficerAbsence.cancelled_at.is_(None), OfficerAbsence.starts_on <= day,
        OfficerAbsence.ends_on >= day)).scalars())


def eligible_officers(domain: str, on_date: date) -> list[EligibleOfficer]:
    """Active officers with a certificate valid on `on_date` that covers `domain` (a code of
    forms.definition.DOMAIN_LABELS), not absent that day; by user id (a stable order for the
    draw). An officer with several such certificates is listed once, with the newest."""
    rows = db.session.execute(sa.select(OfficerCertificate, User).join(User).where(
        OfficerCertificate.revoked_at.is_(None), OfficerCertificate.valid_from <= on_date,
        OfficerCertificate.valid_until >= on_date, User.disabled_at.is_(None))
        .order_by(User.id, OfficerCertificate.valid_from, OfficerCertificate.id)).unique().all()
    away = absent_on(on_date)
    chosen: dict[int, EligibleOfficer] = {}
    for cert, user in rows:
        if domain in cert.domains and user.id not in away and user.has_role("officer"):
            chosen[user.id] = EligibleOfficer(user.id, user.username, user.display_name,
                                              user.team.code if user.team else None, cert.id,
                                              cert.number)
    return [chosen[uid] for uid in sorted(chosen)]


def conflicts_for(target_ids: Iterable[int]) -> dict[int, set[int]]:
    """target id -> ids of the officers with a declared (not withdrawn) conflict with it."""
    ids = list(set(target_ids))
    found: dict[int, set[int]] = {t: set() for t in ids}
    for start in range(0, len(ids), 500):
        for target_id, user_id in db.session.execute(sa.select(
                ConflictOfInterest.target_id, ConflictOfInterest.user_id).where(
                ConflictOfInterest.target_id.in_(ids[start:start + 500]),
                ConflictOfInterest.withdrawn_at.is_(None))):
            found[target_id].add(user_id)
    return found


def directory() -> list[tuple[User, list[OfficerCertificate], list[OfficerAbsence], list[ConflictOfInterest]]]:
    """Every officer with their certificates, absences and conflicts (one query each)."""
    users = [u for u in db.session.execute(sa.select(User).order_by(User.username)).unique().scalars()
             if u.has_role("officer")]
    ids = [u.id for u in users]

    def grouped(model, order):
        groups: dict[int, list] = {i: [] for i in ids}
        query = sa.select(model).where(model.user_id.in_(ids)).order_by(order)
        for row in db.session.execute(query).unique().scalars():
            groups[row.user_id].append(row)
        return groups

    certs = grouped(OfficerCertificate, OfficerCertificate.valid_from)
    absences = grouped(OfficerAbsence, OfficerAbsence.starts_on)
    conflicts = grouped(ConflictOfInterest, ConflictOfInterest.declared_at)
    return [(u, certs[u.id], absences[u.id], conflicts[u.id]) for u in users]
