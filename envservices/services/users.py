"""The people of a database and their roles; only an administrator changes them (and it is audited)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from envservices.domain import new_id
from envservices.errors import UserError
from envservices.services import access
from envservices.storage import AuditEntry, Role, User


def list_users(db: Any) -> list[User]:
    """Everyone, by name (anyone may see who can do what)."""
    with db.unit_of_work() as uow:
        return uow.users.list()


def add_user(db: Any, name: str, role: Role | str, *, team_crew_id: str | None = None,
             place_ids: tuple[str, ...] = ()) -> User:
    """Add a person; on PostgreSQL `name` must be their database login (see the README's set-up)."""
    name = name.strip()
    if not name:
        raise UserError("a user needs a name (on PostgreSQL: their database login).")
    role = Role.parse(role)
    with db.unit_of_work() as uow:
        access.require(uow, access.MANAGE_USERS)
        if uow.users.get_by_name(name) is not None:
            raise UserError(f"there is already a user called {name}.")
        _check_team(uow, role, team_crew_id, place_ids)
        user = User(id=new_id("user"), name=name, role=role, team_crew_id=team_crew_id,
                    place_ids=tuple(place_ids))
        uow.users.add(user)
        uow.commit()
    return user


def set_role(db: Any, name: str, role: Role | str, *, team_crew_id: str | None = None,
             place_ids: tuple[str, ...] | None = None, active: bool | None = None) -> User:
    """Change someone's role (and team, or switch the account off); the last administrator stays one."""
    role = Role.parse(role)
    with db.unit_of_work() as uow:
        access.require(uow, access.MANAGE_USERS)
        user = uow.users.get_by_name(name)
        if user is None:
            raise UserError(f"there is no user called {name}.")
        changed = replace(
            user, role=role,
            team_crew_id=team_crew_id if team_crew_id is not None else user.team_crew_id,
            place_ids=tuple(place_ids) if place_ids is not None else user.place_ids,
            active=user.active if active is None else active,
        )
        _check_team(uow, role, changed.team_crew_id, changed.place_ids)
        admins = [u for u in uow.users.list(role=Role.ADMINISTRATOR) if u.active and u.name != name]
        if not admins and (changed.role is not Role.ADMINISTRATOR or not changed.active):
            raise UserError(f"{name} is the last administrator; make someone else administrator first.")
        stored = uow.users.update(changed)
        uow.commit()
    return stored


def audit_log(db: Any, *, table_name: str | None = None, record_id: str | None = None,
              limit: int | None = 200) -> list[AuditEntry]:
    """The newest audit entries (oldest first); administrators and managers read it for evidence."""
    with db.unit_of_work() as uow:
        return uow.audit_log.list(table_name=table_name, record_id=record_id, limit=limit)


def _check_team(uow: Any, role: Role, team_crew_id: str | None, place_ids: tuple[str, ...]) -> None:
    if role is not Role.TEAM_LEADER:
        return
    if not team_crew_id and not place_ids:
        raise UserError("a team leader needs a team: give their crew or their places.")
    if team_crew_id and uow.crews.get(team_crew_id) is None:
        raise UserError(f"there is no crew with id '{team_crew_id}'.")
    missing = [p for p in place_ids if uow.places.get(p) is None]
    if missing:
        raise UserError(f"there is no place with id '{missing[0]}'.")


__all__ = ["add_user", "audit_log", "list_users", "set_role"]
