"""Read-only snapshots of users, for the one hot path that reads users without changing them: a
sync's submitter and the officers its records name (server/accounts/service.py
`session_user_and_named`). Loading them as ORM objects cost about 9 % of a one-record sync's CPU
(README, Performance); a snapshot carries what the sync reads, from one Core query."""
from __future__ import annotations

from datetime import date

from .models import certificate_state


class TeamSnapshot:
    """A team as read with a UserSnapshot: read-only."""

    __slots__ = ("id", "code", "name")

    def __init__(self, id: int, code: str, name: str):
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "name", name)

    def __setattr__(self, name, value):
        raise AttributeError("a team snapshot is read-only")


class UserSnapshot:
    """A user as one request read it (server/accounts/service.py `session_user_and_named`): the
    columns a sync reads, its team and its roles, without the ORM's cost of loading objects
    (about 250 µs of a 3 ms one-record sync). Read-only, and not in any session: a view that
    changes a user loads the User itself. Its password hash is not read."""

    __slots__ = ("id", "username", "display_name", "team_id", "certificate_number",
                 "certificate_valid_from", "certificate_valid_until", "disabled_at", "created_at",
                 "updated_at", "team", "_roles")

    COLUMNS = ("id", "username", "display_name", "team_id", "certificate_number",
               "certificate_valid_from", "certificate_valid_until", "disabled_at", "created_at",
               "updated_at")

    def __init__(self, values: dict, team: TeamSnapshot | None, roles: frozenset[str]):
        for name in self.COLUMNS:
            object.__setattr__(self, name, values[name])
        object.__setattr__(self, "team", team)
        object.__setattr__(self, "_roles", roles)

    def __setattr__(self, name, value):
        raise AttributeError("a user snapshot is read-only: load the User to change it")

    def __repr__(self) -> str:
        return f"<UserSnapshot {self.id} {self.username}>"

    @property
    def roles(self) -> list[str]:
        return sorted(self._roles)

    def has_role(self, *roles: str) -> bool:
        return any(role in self._roles for role in roles)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def certificate_state(self, on: date | None = None) -> str:
        return certificate_state(self, on)
