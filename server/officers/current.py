"""The account's certificate as the accounts API and CLI set it (`POST /api/users` and
`PUT /api/users/<id>/certificate`, `flask users create|set-certificate`): one number and validity,
kept in the certificate history like the directory's (server/officers/service.py), so that
neither overwrites the other.

The user's columns stay what they are everywhere: a mirror of the certificate that counts today.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.service import user_summary
from ..audit.service import record_event
from ..errors import ApiError
from ..extensions import db
from .models import OfficerCertificate
from .service import add_certificate, certificates_of, revoke_certificate

# What a certificate without a stated start is valid from (as migration 0010 copied them).
NO_START = date(1900, 1, 1)
CLEARED = "管理员撤销执法证登记（账号管理）"
REPLACED = "换发新证（账号管理）："


def adopt_certificate_columns(user: User, actor) -> None:
    """A certificate the columns hold but the history does not (given when the account was
    created, or set before the history existed) joins the history: audited and vouched for as
    `officer.certificate_added`, like a certificate the directory records."""
    if not (user.certificate_number and user.certificate_valid_until):
        return
    if db.session.execute(sa.select(OfficerCertificate.id).filter_by(
            user_id=user.id, number=user.certificate_number)).first() is None:
        add_certificate(user, number=user.certificate_number, domains=[],
                        valid_from=user.certificate_valid_from or NO_START,
                        valid_until=user.certificate_valid_until, actor=actor)


def set_current_certificate(user: User, number: str | None, valid_from: date | None,
                            valid_until: date | None, *, actor=None) -> None:
    """Make `number` the user's one certificate: a new number is added to the history (with the
    domains of the certificate it follows) and the ones in force are revoked as replaced; the
    number in force again is no change; a number in the history with other dates is refused
    (revoke it and record a new one in the directory); no number revokes the certificates in
    force. Audited as `user.certificate_set` (before, after), as before the history existed."""
    before = user_summary(user)
    adopt_certificate_columns(user, actor)
    in_force = [c for c in certificates_of(user) if c.revoked_at is None]
    if number is None:
        for cert in in_force:
            revoke_certificate(cert, reason=CLEARED, actor=actor)
    else:
        start = valid_from or NO_START
        same = next((c for c in certificates_of(user) if c.number == number), None)
        if same is not None and (same.revoked_at, same.valid_from, same.valid_until) != (
                None, start, valid_until):
            raise ApiError("officers.certificate_exists")
        if same is None:
            add_certificate(user, number=number, domains=in_force[-1].domains if in_force else [],
                            valid_from=start, valid_until=valid_until, actor=actor)
            for cert in in_force:  # the account has one certificate: the new one replaces them
                revoke_certificate(cert, reason=f"{REPLACED}{number}", actor=actor)
    after = user_summary(user)
    if after != before:
        record_event("user.certificate_set", actor=actor, object_type="user", object_id=user.id,
                     details={"before": before, "after": after})
