"""What Generate runs on a worker thread, and the week arithmetic the board shares. No Qt here: the function
takes plain data built on the GUI thread and returns plain data, so it could run in another process too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envservices.domain.model import Plan
from envservices.errors import UserError
from envservices.services import pins as pins_service
from envservices.services import planning as planning_service


def prepare_and_solve(db: Any, args: dict[str, Any], words: dict[str, str], time_limit_s: float, *,
                      stop: Any = None, progress: Any = None) -> tuple[planning_service.PreparedWeek, Plan]:
    """The whole of Generate on a worker thread: gather the week (needs learning and the road matrix took
    about 2 s on the GUI thread), refuse pins that cannot hold, then solve. Returns (prepared, plan)."""
    if progress is not None:
        progress(None, 0.0, "preparing the week")
    prepared = planning_service.prepare_week(db, **args)
    problems = pins_service.pin_problems(prepared, args.get("pins", ()), absent=args.get("absent", ()),
                                         locked=args.get("locked_days", ()), words=words)
    if problems:
        raise UserError("Cannot plan with these pins, so nothing was started: " + "; ".join(problems)
                        + ". Unpin them or pin them elsewhere.")
    plan = planning_service.solve_week(prepared, time_limit_s=time_limit_s, stop=stop, progress=progress)
    return prepared, plan


def read_plan(db: Any, week: str, settings_provider: Any) -> tuple[Plan | None, Any]:
    """A week's stored plan and the council's settings (the board's names of services), read together on a
    worker: reading the settings on the GUI thread when the plan arrived was 79-90 ms of the 110-176 ms the
    board froze on opening (`ui.stalls`, 2026-12-01)."""
    return planning_service.load_plan(db, week), settings_provider()


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> dt.date:
    year, number = week.upper().split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


__all__ = ["iso_week", "prepare_and_solve", "read_plan", "week_monday"]
