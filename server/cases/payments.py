"""Payments of fines: the bank's payment notice as it comes, entered at the desk or sent by the
provincial payment platform (an HMAC-signed request, docs/payments.md). A notice is idempotent by
its reference: the same notice again changes nothing, another notice under a known reference is
a conflict. A payment is a `case_payments` row (append-only) and a `case.record_payment` step."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from ..workdays import CalendarYearUnknown
from .case_flow import act
from .case_models import Case, CasePayment
from .deadlines import amount_owed_fen, late_fee_fen

PLATFORM = "payment-platform"


def record_payment(user: User | None, case: Case, *, amount_fen: int, reference: str,
                   paid_on: date, expected_version: int | None = None) -> tuple[CasePayment, bool]:
    """Record a payment notice; returns (payment, created). `user` None: the platform, which
    does not know the case's version (the reference keeps it idempotent)."""
    existing = db.session.execute(sa.select(CasePayment).where(
        CasePayment.reference == reference)).scalar_one_or_none()
    if existing is not None:
        if (existing.case_id, existing.amount_fen, existing.paid_on) == (case.id, amount_fen, paid_on):
            return existing, False
        raise ApiError("payment.reference_conflict")
    try:  # what was owed, as far as the calendar can tell: a notice is never refused for it
        owed, late_fee = amount_owed_fen(case, paid_on), late_fee_fen(case, paid_on)
    except CalendarYearUnknown:
        owed = late_fee = None
    step = act(user, case, "record_payment",
               case.version if expected_version is None else expected_version,
               values={"paid_fen": case.paid_fen + amount_fen},
               step={"reference": reference, "amount_fen": amount_fen, "paid_on": paid_on,
                     "source": "desk" if user else "platform", "owed_before_fen": owed,
                     "late_fee_fen": late_fee},
               actor_username=None if user else PLATFORM)
    payment = CasePayment(case_id=case.id, reference=reference, amount_fen=amount_fen,
                          paid_on=paid_on, source="desk" if user else "platform",
                          entered_by_id=getattr(user, "id", None), received_at=step.acted_at,
                          audit_seq=step.audit_seq)
    db.session.add(payment)
    db.session.flush()
    return payment, True


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<body>`, hex: what the platform sends in X-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_platform_signature(timestamp: str | None, signature: str | None, body: bytes) -> None:
    """Refuse a notice not signed with the platform's key, or signed too long ago."""
    secret = current_app.config["PAYMENT_PLATFORM_SECRET"]
    if not secret or not timestamp or not signature:
        raise ApiError("payment.bad_signature")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise ApiError("payment.bad_signature") from None
    if skew > current_app.config["PAYMENT_PLATFORM_MAX_SKEW_SECONDS"]:
        raise ApiError("payment.stale_timestamp")
    expected = signature_for(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.removeprefix("sha256=")):
        raise ApiError("payment.bad_signature")


def case_by_number(number: str) -> Case:
    case = db.session.execute(sa.select(Case).where(Case.number == number)).scalar_one_or_none()
    if case is None:
        raise ApiError("payment.unknown_case")
    return case
