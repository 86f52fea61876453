"""Use cases: the one place the UI, the command line, the simulation and the tests all call.

Each function takes the database (a unit-of-work factory), does one thing the user asked for in one
transaction, and raises `UserError` with a clear sentence when it cannot; nothing is then changed.
"""

from __future__ import annotations

from envservices.services import (
    capacity,
    compare,
    council,
    crews,
    district,
    maintenance,
    observations,
    planning,
    rota_sheet,
    rounds_map,
    settings,
    simulation,
    users,
    week,
    work_sheet,
    waste,
)
from envservices.storage import Database, open_database


def open_db(url: str | None = None) -> Database:
    """Open (and upgrade) the database the user named, or the default SQLite file."""
    return open_database(url)


__all__ = ["capacity", "compare", "council", "crews", "district", "maintenance", "observations", "open_db",
           "planning", "rota_sheet", "rounds_map", "settings", "simulation", "users", "waste", "week", "work_sheet"]
