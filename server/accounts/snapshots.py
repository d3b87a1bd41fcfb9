"""Read-only snapshots of users, for the one hot path that reads users without changing them: a
sync's submitter and the officers its records name (server/accounts/service.py
`session_user_and_named`). Loading them as ORM objects cost about 7 % of a one-record sync's CPU
(README, Performance); a snapshot carries what the sync reads, from one Core query."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from .models import certificate_state


@dataclass(frozen=True)
class TeamSnapshot:
    """A team as read with a UserSnapshot."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class UserSnapshot:
    """A user as one request read it (server/accounts/service.py `session_user_and_named`): the
    columns a sync reads, its team and its roles, without the ORM's cost of loading objects
    (about 250 µs of a 3 ms one-record sync). Read-only, and not in any session: a view that
    changes a user loads the User itself. Its password hash is not read."""

    id: int
    username: str
    display_name: str
    team_id: int | None
    certificate_number: str | None
    certificate_valid_from: date | None
    certificate_valid_until: date | None
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    team: TeamSnapshot | None
    role_names: frozenset[str]

    def __repr__(self) -> str:
        return f"<UserSnapshot {self.id} {self.username}>"

    @property
    def roles(self) -> list[str]:
        return sorted(self.role_names)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.role_names for role in roles)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def certificate_state(self, on: date | None = None) -> str:
        return certificate_state(self, on)


# The users' columns a snapshot holds (all its fields but the team and the roles).
USER_COLUMNS = tuple(f.name for f in fields(UserSnapshot))[:-2]
