"""Use cases: the one place the UI, the command line, the simulation and the tests all call.

Each function takes the database (a unit-of-work factory), does one thing the user asked for in one
transaction, and raises `UserError` with a clear sentence when it cannot; nothing is then changed.
"""

from __future__ import annotations

import importlib

from envservices.storage import Database, open_database


def open_db(url: str | None = None) -> Database:
    """Open (and upgrade) the database the user named, or the default SQLite file."""
    return open_database(url)


_MODULES = ("capacity", "compare", "council", "crews", "district", "maintenance", "observations", "planning",
            "rota_sheet", "rounds_map", "settings", "simulation", "users", "week", "work_sheet", "waste")


def __getattr__(name: str):
    """Each use case's module is imported when first used (`services.planning`), not with the package: the
    desktop's first paint needs a few of them, and the planner's alone were 0.2-0.3 s of every start."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")  # the import binds it as an attribute too
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*_MODULES, "open_db"]
