"""Does the demo's historic rota fit its crews? Task-hours per skill and per day against crew-hours.

A council designs its rota for the crews it has, so the demo's rota must ask of its crews about what they can
do in a week: most of their time, never more. Travel between jobs and trips to the tip take a share of every
shift (TRAVEL_SHARE), so only the rest is free for the work itself. The check is cheap (no routing) and the
same numbers back `tests/test_demo_capacity.py` and the calibration notes in `history.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from envservices.domain.model import Crew, Skill, Task
from envservices.domain.settings import Settings
from envservices.rota.tasks import rota_tasks

TRAVEL_SHARE = 0.3
"""Share of a shift spent travelling between jobs and to the tip; the planning engine sees 25-35 %."""
MAX_LOAD = 0.95
"""Most of the task time free after travel a rota may ask of its crews for one skill, or on one day."""


@dataclass(frozen=True)
class SkillLoad:
    """One skill's work in a week against the time of the crews able to do it (after travel)."""

    skill: str
    task_hours: float
    crew_hours: float

    @property
    def share(self) -> float:
        return self.task_hours / self.crew_hours if self.crew_hours else float("inf")


@dataclass(frozen=True)
class WeekLoad:
    """The rota's week against its crews: per skill, overall, and whether each day's work can be shared out."""

    week_start: dt.date
    tasks: int
    task_hours: float
    crew_hours: float
    skills: tuple[SkillLoad, ...]
    day_shares: tuple[float, ...]
    """Per weekday: the least share of the day's free crew time any fair split of its work needs."""

    @property
    def share(self) -> float:
        return self.task_hours / self.crew_hours if self.crew_hours else float("inf")

    def skill(self, name: str) -> SkillLoad:
        return next(s for s in self.skills if s.skill == name)


def _work_hours(crew: Crew) -> float:
    """Hours a crew works in a day: its shift less its breaks."""
    return (crew.shift_end_s - crew.shift_start_s - sum(b.duration_s for b in crew.breaks)) / 3600.0


def _least_share(work_h: dict[str, float], crews: list[Crew], free: dict[str, float]) -> float:
    """Smallest s such that each skill's work can go to crews with that skill without any crew above s of its
    free time (a max-flow search on s): the fair load of a day or a week when crews share skills."""
    total = sum(work_h.values())
    if total <= 0:
        return 0.0
    if not crews:
        return float("inf")

    def fits(share: float) -> bool:
        g = nx.DiGraph()
        for skill, h in work_h.items():
            g.add_edge("work", f"s:{skill}", capacity=h)
            for c in crews:
                if Skill(skill) in c.skills:
                    g.add_edge(f"s:{skill}", f"c:{c.id}", capacity=total)
        for c in crews:
            g.add_edge(f"c:{c.id}", "done", capacity=free[c.id] * share)
        if "done" not in g:
            return False
        return nx.maximum_flow_value(g, "work", "done") >= total - 1e-6

    lo, hi = 0.0, 1.0
    while not fits(hi):
        hi *= 2.0
        if hi > 1e4:
            return float("inf")
    for _ in range(30):
        mid = (lo + hi) / 2.0
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def week_load(tasks: list[Task], crews: list[Crew], week_start: dt.date,
              travel_share: float = TRAVEL_SHARE) -> WeekLoad:
    """Task-hours per skill and day against the crew-hours left after travel of the crews able to do them."""
    free_day = {c.id: _work_hours(c) * (1.0 - travel_share) for c in crews}
    working = {c.id: [d for d in range(7) if d not in c.days_off] for c in crews}
    free_week = {c.id: free_day[c.id] * len(working[c.id]) for c in crews}
    by_skill: dict[str, float] = defaultdict(float)
    by_day: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for t in tasks:
        by_skill[t.skill.value] += t.duration_s / 3600.0
        by_day[(t.earliest_day - week_start).days][t.skill.value] += t.duration_s / 3600.0
    skills = tuple(
        SkillLoad(skill, h, sum(free_week[c.id] for c in crews if Skill(skill) in c.skills))
        for skill, h in sorted(by_skill.items())
    )
    day_shares = tuple(
        _least_share(by_day[d], [c for c in crews if d in working[c.id]], free_day) for d in range(7)
    )
    return WeekLoad(
        week_start,
        len(tasks),
        sum(by_skill.values()),
        sum(free_week.values()),
        skills,
        day_shares,
    )


def rota_week_load(district, week_start: dt.date, settings: Settings | None = None) -> WeekLoad:
    """The demo district's rota in the week starting `week_start` (a Monday) against its crews."""
    settings = settings or Settings()
    tasks = rota_tasks(
        district.rota,
        {a.id: a for a in district.assets},
        {p.id: p for p in district.places},
        settings.services(),
        week_start,
        settings,
    )
    return week_load(tasks, list(district.crews), week_start)


def describe(load: WeekLoad) -> str:
    """A few lines for a person: the week's total, each skill and each day, as shares of free crew time."""
    head = (
        f"week of {load.week_start}: {load.tasks} tasks, {load.task_hours:.0f} task-hours of "
        f"{load.crew_hours:.0f} free crew-hours ({load.share:.0%})"
    )
    lines = [head]
    for s in load.skills:
        lines.append(f"  {s.skill:<17} {s.task_hours:6.1f} h of {s.crew_hours:6.1f} h ({s.share:.0%})")
    lines.append("  days: " + " ".join(f"{x:.0%}" for x in load.day_shares[:5]))
    return "\n".join(lines)


__all__ = ["MAX_LOAD", "TRAVEL_SHARE", "SkillLoad", "WeekLoad", "describe", "rota_week_load", "week_load"]
