"""Who may do what: the people of a database, their roles, and the audit log's entries as plain values.

These are plain frozen dataclasses like the domain's, kept beside the tables that hold them because only
storage and the service layer's access checks use them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class Role(enum.Enum):
    """What a person is allowed to do (see envservices.services.access for the rules)."""

    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    TEAM_LEADER = "team_leader"
    MANAGER = "manager"

    @classmethod
    def parse(cls, text: str | Role) -> Role:
        """A role from its name as people type it ('team leader', 'Team-Leader', 'administrator')."""
        if isinstance(text, Role):
            return text
        key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
        try:
            return cls(key)
        except ValueError:
            known = ", ".join(r.value for r in cls)
            from envservices.errors import UserError

            raise UserError(f"'{text}' is not a role; use one of: {known}.") from None


@dataclass(frozen=True)
class User:
    """A person who may open the database; `name` is the PostgreSQL login, or the local name on SQLite.

    A team leader's places are those of their team's crew (places whose team_crew_id is theirs) plus any
    listed in place_ids.
    """

    id: str
    name: str
    role: Role
    team_crew_id: str | None = None
    place_ids: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class AuditEntry:
    """One change, as written in the same transaction as the change itself."""

    id: int
    at: dt.datetime
    user_name: str
    action: str
    table_name: str
    record_id: str
    before: Any = field(default=None, compare=False)
    after: Any = field(default=None, compare=False)
