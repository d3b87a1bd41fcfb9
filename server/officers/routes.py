"""The officers' directory API: certificates with domains (admin), absences (admin, supervisor),
conflicts of interest (admin, supervisor, or the officer for themself), and who may be drawn."""
from __future__ import annotations

from flask import g

from ..accounts import auth
from ..accounts.models import User
from ..errors import ApiError
from ..extensions import db
from ..schemas import Blueprint
from ..targets.models import Target
from . import service
from .models import ConflictOfInterest, OfficerAbsence, OfficerCertificate
from .schemas import (
    AbsenceInSchema,
    AbsenceSchema,
    ConflictInSchema,
    ConflictSchema,
    EligibleQuerySchema,
    EligibleSchema,
    OfficerCertificateInSchema,
    OfficerCertificateSchema,
    OfficerEntrySchema,
    ReasonSchema,
)

blp = Blueprint("officers", __name__, url_prefix="/api/officer-directory",
                description="The directory of inspecting officers (执法检查人员名录库)")


def _get(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError("request.not_found")
    return row


def _officer(user_id: int) -> User:
    user = _get(User, user_id)
    if not user.has_role("officer"):
        raise ApiError("officers.not_an_officer")
    return user


@blp.route("", methods=["GET"])
@blp.response(200, OfficerEntrySchema(many=True))
@auth.roles_required("supervisor", "admin")
def list_directory():
    """Every officer with certificates (history), absences and declared conflicts."""
    return [{"user": u, "certificates": c, "absences": a, "conflicts": k}
            for u, c, a, k in service.directory()]


@blp.route("/eligible", methods=["GET"])
@blp.arguments(EligibleQuerySchema, location="query")
@blp.response(200, EligibleSchema(many=True))
@auth.roles_required("supervisor", "admin")
def eligible(args):
    """Officers certified for a domain and available on a day (what the draw draws from)."""
    return service.eligible_officers(args["domain"], args["on"])


@blp.route("/<id:user_id>/certificates", methods=["POST"])
@blp.arguments(OfficerCertificateInSchema)
@blp.response(201, OfficerCertificateSchema)
@auth.roles_required("admin")
def add_certificate(data, user_id):
    """Record a certificate (执法证) with the domains it covers (admin)."""
    return service.add_certificate(_officer(user_id), actor=g.user, **data)


@blp.route("/certificates/<id:certificate_id>/revoke", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, OfficerCertificateSchema)
@auth.roles_required("admin")
def revoke_certificate(data, certificate_id):
    """Revoke a certificate, saying why (admin)."""
    return service.revoke_certificate(_get(OfficerCertificate, certificate_id), reason=data["reason"],
                                      actor=g.user)


@blp.route("/<id:user_id>/absences", methods=["POST"])
@blp.arguments(AbsenceInSchema)
@blp.response(201, AbsenceSchema)
@auth.roles_required("supervisor", "admin")
def add_absence(data, user_id):
    """Mark an officer unavailable for a range of days: leave, training (supervisor, admin)."""
    return service.add_absence(_officer(user_id), actor=g.user, **data)


@blp.route("/absences/<id:absence_id>/cancel", methods=["POST"])
@blp.response(200, AbsenceSchema)
@auth.roles_required("supervisor", "admin")
def cancel_absence(absence_id):
    """Cancel an absence (supervisor, admin)."""
    return service.cancel_absence(_get(OfficerAbsence, absence_id), actor=g.user)


@blp.route("/<id:user_id>/conflicts", methods=["POST"])
@blp.arguments(ConflictInSchema)
@blp.response(201, ConflictSchema)
@auth.login_required
def declare_conflict(data, user_id):
    """Declare a conflict of interest with a target (回避): an officer for themself, or a
    supervisor or admin for an officer."""
    if user_id != g.user.id and not g.user.has_role("supervisor", "admin"):
        raise ApiError("auth.forbidden", "只能为本人申报回避，或由中队长、管理员代为登记。")
    user = _officer(user_id)
    if db.session.get(Target, data["target_id"]) is None:
        raise ApiError("targets.not_found")
    return service.declare_conflict(user, data["target_id"], reason=data["reason"], actor=g.user)


@blp.route("/conflicts/<id:conflict_id>/withdraw", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, ConflictSchema)
@auth.roles_required("supervisor", "admin")
def withdraw_conflict(data, conflict_id):
    """Withdraw a declared conflict, saying why (supervisor, admin)."""
    return service.withdraw_conflict(_get(ConflictOfInterest, conflict_id), reason=data["reason"],
                                     actor=g.user)
