"""Users, their roles and teams, login sessions and failed-login records."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import local_today
from ..database import UTCDateTime
from ..extensions import db

ROLES = ("officer", "supervisor", "legal_reviewer", "admin")
ROLE_LABELS = {"officer": "执法人员", "supervisor": "中队长", "legal_reviewer": "法制审核人员",
               "admin": "管理员"}


class Team(db.Model):
    """A unit of officers (执法中队); supervisors oversee their team."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES!r}", name="ck_user_roles_role"),
    )


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    # The enforcement certificate (执法证): number and validity, in the bureau's local dates.
    certificate_number: Mapped[str | None] = mapped_column(sa.String(64))
    certificate_valid_from: Mapped[date | None] = mapped_column(sa.Date)
    certificate_valid_until: Mapped[date | None] = mapped_column(sa.Date)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    team: Mapped[Team | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        sa.CheckConstraint(
            "certificate_valid_until IS NULL OR certificate_valid_from IS NULL "
            "OR certificate_valid_until >= certificate_valid_from",
            name="ck_users_certificate_dates"),
    )

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.role_rows)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def certificate_state(self, on: date | None = None) -> str:
        """`valid`, `missing`, `expired` or `not_yet_valid` on the given local date (today)."""
        return certificate_state(self, on)


class UserSession(db.Model):
    """A login session; the cookie carries its id, so logout and disabling revoke it here."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))


class LoginFailure(db.Model):
    """One failed login, counted per account and per address for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    client_address: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.Index("ix_login_failures_username", "username", "failed_at"),
        sa.Index("ix_login_failures_address", "client_address", "failed_at"),
    )


def certificate_state(user, on: date | None = None) -> str:
    """`valid`, `missing`, `expired` or `not_yet_valid`: `user`'s enforcement certificate (a User
    or a UserSnapshot) on the given local date (today)."""
    on = on or local_today()
    if not user.certificate_number or not user.certificate_valid_until:
        return "missing"
    if user.certificate_valid_from and on < user.certificate_valid_from:
        return "not_yet_valid"
    if on > user.certificate_valid_until:
        return "expired"
    return "valid"
