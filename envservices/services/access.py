"""Who may do what, enforced here in the service layer that the desktop and the command line both call.

Rules (issue 6): administrators may do everything, and only they change settings and users; supervisors
plan, import and record; team leaders record need and mark visits only for the places of their own team;
managers read and compare but change nothing. Someone who is not an active user of the database may read
but not change anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from envservices.errors import PermissionDenied
from envservices.storage import Role, User

RECORD_NEED = "record need"
MARK_VISIT = "mark visits"
CHANGE_PLAN = "change plans"
CHANGE_DISTRICT = "change the district"
CHANGE_SETTINGS = "change settings"
MANAGE_USERS = "manage users"
SET_TRIALS = "set areas' regimes and trials"
READ = "read"

ALLOWED: dict[str, frozenset[Role]] = {
    RECORD_NEED: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.TEAM_LEADER}),
    MARK_VISIT: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.TEAM_LEADER}),
    CHANGE_PLAN: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
    CHANGE_DISTRICT: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
    CHANGE_SETTINGS: frozenset({Role.ADMINISTRATOR}),
    MANAGE_USERS: frozenset({Role.ADMINISTRATOR}),
    SET_TRIALS: frozenset({Role.ADMINISTRATOR, Role.MANAGER}),
    READ: frozenset(Role),
}
PLACE_SCOPED = frozenset({RECORD_NEED, MARK_VISIT})
"""Actions a team leader may take only at the places of their own team."""


def _user_of(uow: Any) -> User | None:
    name = getattr(uow, "user", "")
    return uow.users.get_by_name(name) if name else None


def _team_places(uow: Any, user: User, place_ids: set[str]) -> set[str]:
    """Those of place_ids that belong to the team leader: listed on them, or served by their crew."""
    mine = set(user.place_ids) & place_ids
    if user.team_crew_id:
        for place_id in place_ids - mine:
            place = uow.places.get(place_id)
            if place is not None and place.team_crew_id == user.team_crew_id:
                mine.add(place_id)
    return mine


def _check(uow: Any, action: str, place_ids: set[str]) -> User:
    if action not in ALLOWED:
        raise ValueError(f"unknown action {action!r}")
    user = _user_of(uow)
    name = getattr(uow, "user", "") or "(nobody)"
    if user is None:
        raise PermissionDenied(
            f"{name} is not a user of this database, so cannot {action}; ask an administrator to add them."
        )
    if not user.active:
        raise PermissionDenied(f"{user.name}'s account is switched off, so they cannot {action}.")
    if user.role not in ALLOWED[action]:
        who = ", ".join(sorted(r.value.replace("_", " ") + "s" for r in ALLOWED[action]))
        raise PermissionDenied(
            f"{user.name} is a {user.role.value.replace('_', ' ')} and cannot {action}; only {who} can."
        )
    if user.role is Role.TEAM_LEADER and action in PLACE_SCOPED and place_ids:
        others = sorted(place_ids - _team_places(uow, user, place_ids))
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            raise PermissionDenied(
                f"{user.name} is a team leader and can {action} only for their own team's places, not {shown}."
            )
    return user


def require(uow_or_db: Any, action: str, *, place_id: str | None = None, place_ids: Iterable[str] = ()) -> User:
    """The acting user if they may take `action` (at place_id / place_ids); otherwise PermissionDenied.

    Pass the unit of work when one is open (the check then sees the same transaction), else the database.
    """
    wanted = {p for p in (place_id, *place_ids) if p}
    if hasattr(uow_or_db, "unit_of_work"):
        with uow_or_db.unit_of_work() as uow:
            return _check(uow, action, wanted)
    return _check(uow_or_db, action, wanted)


def current_user(db: Any) -> User | None:
    """Who the database is acting for, as stored (None: not a user here)."""
    with db.unit_of_work() as uow:
        return _user_of(uow)


def can(db: Any, action: str, *, place_id: str | None = None) -> bool:
    """Whether `require` would pass: for the UI to grey out what the user may not do."""
    try:
        require(db, action, place_id=place_id)
    except PermissionDenied:
        return False
    return True


__all__ = [
    "ALLOWED", "CHANGE_DISTRICT", "CHANGE_PLAN", "CHANGE_SETTINGS", "MANAGE_USERS", "MARK_VISIT",
    "READ", "RECORD_NEED", "can", "current_user", "require",
]
