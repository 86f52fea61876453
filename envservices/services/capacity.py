"""`envservices capacity`: crews needed by skill and week, from the rota and the needs forecasts, against what
the crews give, with the remedies for a short week and their cost (the logic: planning.capacity)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from envservices.domain.calendar import WorkCalendar
from envservices.domain.model import SiteKind
from envservices.errors import UserError
from envservices.planning.build import split_long_tasks
from envservices.planning.capacity import SkillWeek, week_capacity
from envservices.services.week import area_inputs, read_state
from envservices.week import decide_week


def capacity(db, start: dt.date, weeks: int, source: str = "auto") -> list[SkillWeek]:
    """Each week from the Monday of `start`'s week, each skill: crew-days needed and available, remedies.

    Each week's work is what the week pipeline (`week.decide_week`) decides from what is stored now, with that
    week's bank holidays."""
    if weeks < 1 or weeks > 104:
        raise UserError(f"--weeks must be between 1 and 104, not {weeks}")
    monday = start - dt.timedelta(days=start.weekday())
    with db.unit_of_work() as uow:
        state = read_state(uow, monday)
        crews = uow.crews.list()
        council_days = uow.calendar.list()
        has_depot = bool(uow.sites.list(kind=SiteKind.DEPOT))
    if not crews or not has_depot:
        raise UserError("there are no crews (or no depot) in the database; add them before asking for capacity")
    out: list[SkillWeek] = []
    for w in range(weeks):
        week_start = monday + dt.timedelta(days=7 * w)
        calendar = WorkCalendar.around(week_start, council_days)
        tasks = []
        for a in state.areas:
            if not any(p.area_id == a.id for p in state.places.values()):
                continue
            inputs = replace(area_inputs(state, a, week_start, source=source), calendar=calendar)
            tasks.extend(t for t in decide_week(inputs).tasks if t.latest_day < week_start + dt.timedelta(days=7))
        out.extend(week_capacity(week_start.isoformat(), split_long_tasks(tasks, crews), crews, state.settings))
    return out


def describe(rows: list[SkillWeek]) -> str:
    """The table a manager reads: one line per skill-week, short weeks with their remedies under them."""
    lines = [f"{'week':<11} {'skill':<17} {'task h':>7} {'need':>5} {'have':>5} {'short':>5}"]
    for r in rows:
        lines.append(f"{r.week_start:<11} {r.skill:<17} {r.task_hours:>7.1f} {r.needed_crew_days:>5} "
                     f"{r.available_crew_days:>5} {r.short_crew_days:>5}")
        for rem in r.remedies:
            lines.append(f"{'':<13}remedy: {rem.description}, £{rem.cost:,.0f}")
    short = [r for r in rows if r.short_crew_days]
    lines.append(f"{len(short)} skill-weeks short of crews out of {len(rows)}; crew-days needed = task hours x "
                 f"crew hours per task hour / shift, rounded up.")
    return "\n".join(lines)
