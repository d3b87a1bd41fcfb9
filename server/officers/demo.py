"""Demo certificates for `flask --app server demo seed`: each demo officer's certificate in the
history with the domains (执法类别) their team covers, so that a draw finds officers per domain."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts import service as accounts
from ..extensions import db
from .models import OfficerCertificate
from .service import add_certificate

TEAM_DOMAINS = {"A": ["overload", "dangerous_goods", "road_passenger", "taxi"],
                "B": ["overload", "ship_pollution", "road_administration", "dangerous_goods"]}


def seed_certificates() -> int:
    """Record the demo officers' current certificates with domains; returns how many were added."""
    added = 0
    for user in accounts.list_users():
        if not (user.has_role("officer") and user.certificate_number and user.team):
            continue
        if db.session.execute(sa.select(OfficerCertificate.id).filter_by(user_id=user.id)).first():
            continue
        domains = sorted(set(TEAM_DOMAINS["A"]) | set(TEAM_DOMAINS["B"])) if user.has_role(
            "supervisor") else TEAM_DOMAINS.get(user.team.code, ["overload"])
        add_certificate(user, number=user.certificate_number, domains=domains,
                        valid_from=user.certificate_valid_from, valid_until=user.certificate_valid_until,
                        actor=None)
        added += 1
    return added
