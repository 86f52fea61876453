"""Progress reporting: the solver tells a GUI or CLI how it is doing, without knowing who listens."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, best_cost: float, elapsed_s: float, message: str) -> None:
        """Called on each new best plan and at each phase; must return quickly (it runs on the solver's
        thread)."""
        ...


def no_progress(best_cost: float, elapsed_s: float, message: str) -> None:
    """The default: nobody is listening."""


class ProgressLog:
    """Keeps every report; handy in tests and for a benchmark's time-to-first-feasible figure."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, float, str]] = []

    def __call__(self, best_cost: float, elapsed_s: float, message: str) -> None:
        self.reports.append((best_cost, elapsed_s, message))
