"""One screen per user task: record need (team leader), plan the week (supervisor), compare areas (manager).

Each is a `Screen`: built as `Screen(db, settings_provider)`, with `.title`, `.load()`, `.refresh()` and
`.shutdown()`. The main window makes the plan board and the dashboard through `SCREENS`, whose factories import
their module only when called, so nothing heavy loads here and a screen that cannot be imported (a library
missing) becomes a placeholder instead of stopping the application.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Screen(Protocol):
    """What the main window needs of a screen it hosts."""

    title: str

    def load(self) -> None:
        """Read what the screen shows (called once, when it is first shown)."""

    def refresh(self) -> None:
        """Read it again (after the database changed)."""

    def shutdown(self, wait_ms: int = ...) -> bool:
        """Stop background work before the window closes; True when all of it stopped."""


ScreenFactory = Callable[[Any, Callable[[], Any]], Screen]


def plan_board(db: Any, settings_provider: Callable[[], Any]) -> Screen:
    from envservices.ui.screens.plan_board import PlanBoardScreen

    return PlanBoardScreen(db, settings_provider)


def dashboard(db: Any, settings_provider: Callable[[], Any]) -> Screen:
    from envservices.ui.screens.dashboard import DashboardScreen

    return DashboardScreen(db, settings_provider)


SCREENS: dict[str, ScreenFactory] = {"plan": plan_board, "dashboard": dashboard}

__all__ = ["SCREENS", "Screen", "ScreenFactory", "dashboard", "plan_board"]
