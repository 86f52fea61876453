"""Stopping criteria: small callables asked "stop now?" with the best cost so far.

The solver asks often (between moves, between tasks while building), so a cancel button or Ctrl-C takes effect
within milliseconds and the best plan found so far is returned. Always combine a cancel with a time limit:
the caller should never wait forever.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class StoppingCriterion(Protocol):
    def __call__(self, best_cost: float) -> bool:
        """True when the search should stop and hand back its best plan."""
        ...


class TimeLimit:
    """Stop after `seconds` of wall time, counted from the first question (when the search starts)."""

    def __init__(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a time limit cannot be negative")
        self.seconds = float(seconds)
        self._start: float | None = None

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if self._start is None:
            self._start = now
        return now - self._start >= self.seconds


class IterationLimit:
    """Stop after `iterations` questions: deterministic, so tests do not depend on the machine's speed."""

    def __init__(self, iterations: int) -> None:
        self.iterations = int(iterations)
        self._count = 0

    def __call__(self, best_cost: float) -> bool:
        self._count += 1
        return self._count > self.iterations


class Cancel:
    """A cancel button: any thread may call `cancel()`; the solver stops at its next question."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = event if event is not None else threading.Event()

    def cancel(self) -> None:
        self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def __call__(self, best_cost: float) -> bool:
        return self.event.is_set()


class AnyOf:
    """Stop as soon as any of the criteria says so (every criterion is asked, so all keep count)."""

    def __init__(self, *criteria: StoppingCriterion) -> None:
        self.criteria = tuple(c for c in criteria if c is not None)

    def __call__(self, best_cost: float) -> bool:
        answers = [c(best_cost) for c in self.criteria]
        return any(answers)


def cancels_in(criterion: StoppingCriterion | None) -> list[Cancel]:
    """The cancel buttons inside a criterion (through AnyOf): what a solver that cannot ask the criterion
    itself (CP-SAT, in C++) may poll without counting as a question."""
    if isinstance(criterion, Cancel):
        return [criterion]
    if isinstance(criterion, AnyOf):
        return [c for inner in criterion.criteria for c in cancels_in(inner)]
    return []


class Never:
    """Never stops: the no-op default."""

    def __call__(self, best_cost: float) -> bool:
        return False
