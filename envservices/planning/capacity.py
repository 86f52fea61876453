"""Crews needed, by skill and week: the crew-days a week's work needs against what the crews give, and the
remedies for a short week with their cost.

Why: when the grass flush comes the plan leaves mowing out ("crews fully booked") and says nothing of what it
would take; a manager needs the shortfall in crew-days and the price of each way to cover it, weeks ahead.
A pure function of the week's tasks and crews: the service gathers them, the CLI and the dashboard print them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from envservices.domain.model import Crew, Task
from envservices.domain.settings import Settings

HOURS_PER_TASK_HOUR = 1.7
"""Crew hours a plan spends per hour of task time (travel, tips, breaks): measured on the demo district with
this engine, `bench district --scale 1`, 30 s: 1.70 on the rota week, 1.77 on the needs week."""


@dataclass(frozen=True)
class Remedy:
    what: str  # overtime | extra crew | agency
    description: str
    cost: float


@dataclass(frozen=True)
class SkillWeek:
    """One skill in one week: the crew-days its work needs and the crew-days its crews give."""

    week_start: str
    skill: str
    task_hours: float
    needed_crew_days: int
    available_crew_days: int
    short_crew_days: int
    remedies: tuple[Remedy, ...] = ()


def _shift_h(c: Crew) -> float:
    return (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks)) / 3600.0


def week_capacity(week_start: str, tasks: list[Task], crews: list[Crew], settings: Settings,
                  working_days: int = 5, hours_per_task_hour: float = HOURS_PER_TASK_HOUR) -> list[SkillWeek]:
    """Per skill: crew-days needed (task hours x hours_per_task_hour / the longest shift of a crew with the
    skill, rounded up) against the crew-days of the crews with the skill on working days; where short, the
    remedies cheapest first. A crew with several skills gives each crew-day to one skill (greedily, scarcest
    skill first); `available_crew_days` is what the skill's crews had before that. A skill no crew has is
    reported with 0 available and only agency as a remedy."""
    hours: dict[str, float] = defaultdict(float)
    for t in tasks:
        hours[t.skill.value] += t.duration_s / 3600.0
    free = {c.id: sum(1 for d in range(working_days) if d not in c.days_off) for c in crews}
    able_of = {skill: [c for c in crews if any(s.value == skill for s in c.skills)] for skill in hours}
    found: dict[str, SkillWeek] = {}
    # the skills fewest crews have take their crew-days first, from the crews with fewest other skills: a
    # crew's day given to mowing is not there for litter picking
    for skill in sorted(hours, key=lambda k: (len(able_of[k]), k)):
        task_h = hours[skill]
        able = able_of[skill]
        shift_h = max((_shift_h(c) for c in able), default=7.5)
        crew_h = task_h * hours_per_task_hour
        needed = math.ceil(crew_h / shift_h - 1e-9) if crew_h > 0 else 0
        available = sum(free[c.id] for c in able)
        left = needed
        for c in sorted(able, key=lambda c: (len(c.skills), c.id)):
            take = min(left, free[c.id])
            free[c.id] -= take
            left -= take
        short = left
        remedies: list[Remedy] = []
        if short:
            short_h = short * shift_h
            day_h = shift_h + sum(b.duration_s for b in (able[0].breaks if able else ())) / 3600.0
            if able:
                overtime_cap = available * settings.overtime_max_h_per_day
                if short_h <= overtime_cap:
                    remedies.append(Remedy(
                        "overtime",
                        f"{short_h:.1f} h of overtime across the {len(able)} crews with `{skill}`",
                        round(short_h * settings.cost_per_crew_hour * settings.overtime_multiplier, 2)))
                crews_more = math.ceil(short / working_days)
                days = min(short, working_days)
                remedies.append(Remedy(
                    "extra crew",
                    f"{crews_more} more `{skill}` crew{'s' if crews_more > 1 else ''} on {days} "
                    f"day{'s' if days > 1 else ''} ({short} crew-days)",
                    round(short * (day_h * settings.cost_per_crew_hour + settings.cost_per_crew_day
                                   + settings.cost_per_vehicle_day), 2)))
            remedies.append(Remedy(
                "agency", f"{short_h:.1f} h of agency staff with `{skill}`",
                round(short_h * settings.agency_cost_per_hour, 2)))
            remedies.sort(key=lambda r: r.cost)
        found[skill] = SkillWeek(week_start, skill, round(task_h, 1), needed, available, short,
                                 tuple(remedies))
    return [found[k] for k in sorted(found)]
