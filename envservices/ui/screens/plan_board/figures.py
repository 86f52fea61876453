"""The plan's figures in the supervisor's words, kept free of Qt so they can be read and tested alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable


def release_text(kpis: dict, monday: dt.date, name: Callable[[str], str] = str) -> str:
    """The crews a supervisor could send home: e.g. "Crews you can release: 2 all week (Bins 3, Sweeper 1);
    by day Mon 4 · Tue 3 · ...". Empty when the plan carries no release figures (plans made before them)."""
    by_day = kpis.get("crews_released_by_day")
    if not isinstance(by_day, (list, tuple)) or not by_day:
        return ""
    released = [name(c) for c in kpis.get("crews_released", [])]
    week = int(kpis.get("crews_released_week", len(released)))
    head = f"Crews you can release: {week} all week"
    if released:
        head += f" ({', '.join(released)})"
    days = " · ".join(f"{monday + dt.timedelta(days=i):%a} {n}" for i, n in enumerate(by_day))
    crew_days = kpis.get("crew_days_released")
    tail = f"; {crew_days} crew-days in all" if isinstance(crew_days, int) else ""
    return f"{head}; by day {days}{tail}"
