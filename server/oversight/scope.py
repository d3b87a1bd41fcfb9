"""Whose figures a user may see: admins the whole bureau (or one team), supervisors their team,
officers themselves only. Anyone else is refused."""
from __future__ import annotations

from dataclasses import dataclass

from ..accounts.models import User
from ..errors import ApiError


@dataclass(frozen=True)
class Scope:
    team_id: int | None = None     # None: every team
    officer_id: int | None = None  # set: one officer's own figures

    def sees_team(self, team_id: int | None) -> bool:
        return self.officer_id is None and (self.team_id is None or self.team_id == team_id)


def scope_of(user: User, team_id: int | None = None) -> Scope:
    """The scope of `user`'s figures, narrowed to `team_id` if asked (admins only)."""
    if user.has_role("admin"):
        return Scope(team_id=team_id)
    if user.has_role("supervisor") and user.team_id is not None:
        if team_id is not None and team_id != user.team_id:
            raise ApiError("oversight.not_your_team")
        return Scope(team_id=user.team_id)
    if user.has_role("officer"):
        return Scope(team_id=user.team_id, officer_id=user.id)
    raise ApiError("auth.forbidden")


def warning_scope(user: User) -> Scope:
    """Warnings are for supervisors (their team's) and admins (all)."""
    if user.has_role("admin"):
        return Scope()
    if user.has_role("supervisor") and user.team_id is not None:
        return Scope(team_id=user.team_id)
    raise ApiError("auth.forbidden")
