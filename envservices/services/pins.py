"""Where a supervisor may pin a task, and whether a finished plan kept the pins it was given.

A pin is a hard decision: the board offers only the crew-days the planner could honour (the task's due
window, a crew with its skill, equipment and vehicle room, a worked and unlocked day), and a plan that moved
or dropped a pinned task is not saved. The tests mirror the solver's own eligibility
(`planning.solve._eligibility`) on the prepared problem, so what the menu offers is what the planner accepts.
In the demo week 1,841 of 1,893 tasks are due on one day only: offering every day invited pins that could
never hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from envservices.domain import Pin, Plan, Task
from envservices.planning.problem import ProblemCrew

CrewDayKey = tuple[str, dt.date]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def due_window_words(task: Task) -> str:
    """'due on Tuesday 1 Dec' or 'due Monday 30 Nov to Wednesday 2 Dec'."""
    first = f"{task.earliest_day:%A} {task.earliest_day.day} {task.earliest_day:%b}"
    if task.latest_day == task.earliest_day:
        return f"due on {first}"
    return f"due {first} to {task.latest_day:%A} {task.latest_day.day} {task.latest_day:%b}"


def why_not(task: Task, crew: ProblemCrew, day: dt.date, *, crew_name: str = "", absent: Collection[CrewDayKey] = (),
            locked: Collection[CrewDayKey] = ()) -> str | None:
    """One sentence saying why `task` cannot be pinned to `crew` on `day`, or None when it can."""
    name = crew_name or crew.id
    if not task.earliest_day <= day <= task.latest_day:
        return f"it is {due_window_words(task)}"
    if (crew.id, day) in absent:
        return f"{name} is marked absent on {day:%A}"
    if (crew.id, day) in locked:
        return f"{name}'s {day:%A} is locked; unlock it to add work"
    if day.weekday() in crew.days_off:
        return f"{day:%A} is {name}'s day off"
    skill = getattr(task.skill, "value", task.skill)
    if skill not in crew.skills:
        return f"{name} has nobody with the skill it needs ({skill.replace('_', ' ')})"
    if task.equipment and task.equipment not in crew.equipment:
        return f"{name}'s vehicle has no {task.equipment.replace('_', ' ')}"
    if task.volume_l > 0 and crew.compartments:
        c = crew.compartment_for(task.stream)
        if c < 0:
            return f"no compartment of {name}'s vehicle takes {(task.stream or 'street waste').replace('_', ' ')}"
        if crew.compartments[c].capacity_l < task.volume_l:
            return (f"the compartment of {name}'s vehicle for it holds {crew.compartments[c].capacity_l} l, less "
                    f"than its {task.volume_l:.0f} l")
    elif task.volume_l > 0 and crew.capacity_l < task.volume_l:
        return f"{name}'s vehicle holds {crew.capacity_l} l, less than its {task.volume_l:.0f} l"
    return None


def allowed_crew_days(task: Task, crews: Sequence[ProblemCrew], days: Iterable[dt.date], *,
                      absent: Collection[CrewDayKey] = (), locked: Collection[CrewDayKey] = ()) -> list[CrewDayKey]:
    """The (crew id, day) pairs `task` may be pinned to, crews in the given order, days in date order."""
    days = sorted(days)
    return [(c.id, d) for c in crews for d in days
            if why_not(task, c, d, absent=absent, locked=locked) is None]


def pin_problems(prepared, pins: Iterable[Pin], *, absent: Collection[CrewDayKey] = (),
                 locked: Collection[CrewDayKey] = (), words: Mapping[str, str] | None = None) -> list[str]:
    """A sentence per pin the prepared week cannot honour (its task no longer due, or a crew-day it may not
    take); checked before a solve starts, so nothing is planned around a pin that cannot hold.
    `prepared` is a services.planning.PreparedWeek; `words` names tasks ('Empty bin at Church Street')."""
    words = words or {}
    tasks = {t.id: t for t in prepared.tasks}
    crews = {c.id: c for c in prepared.problem.crews}
    names = prepared.crew_names
    out = []
    for pin in pins:
        what = words.get(pin.task_id, f"task {pin.task_id}")
        name = names.get(pin.crew_id, pin.crew_id)
        task, crew = tasks.get(pin.task_id), crews.get(pin.crew_id)
        if task is None:
            out.append(f"{what} is no longer due this week")
        elif crew is None:
            out.append(f"{what} is pinned to {name}, who does not plan this area and depot")
        else:
            reason = why_not(task, crew, pin.day, crew_name=name, absent=absent, locked=locked)
            if reason:
                out.append(f"{what} cannot go to {name} on {pin.day:%A}: {reason}")
    return out


@dataclass(frozen=True)
class BrokenPin:
    """A pin the finished plan did not keep, with where the task ended up (or why it was left out)."""

    pin: Pin
    found: CrewDayKey | None  # where the plan put the task; None when it was left out
    reason: str  # the planner's reason when it was left out, else ''


def broken_pins(plan: Plan, pins: Iterable[Pin]) -> list[BrokenPin]:
    """The pins `plan` does not keep: each pinned task must be a visit on its pinned crew and day."""
    where: dict[str, CrewDayKey] = {}
    for cd in plan.crew_days:
        for v in cd.visits:
            where[v.task_id] = (cd.crew_id, cd.day)
    reasons = {u.task_id: u.reason for u in plan.unplanned}
    out = []
    for pin in pins:
        found = where.get(pin.task_id)
        if found != (pin.crew_id, pin.day):
            out.append(BrokenPin(pin, found, "" if found else reasons.get(pin.task_id, "")))
    return out


def describe_broken(broken: BrokenPin, names: Mapping[str, str], what: str = "") -> str:
    """'Empty bin at Church Street, pinned to Crew A on Tuesday, was left out: it does not fit'."""
    pin = broken.pin
    label = what or pin.task_id
    head = f"{label}, pinned to {names.get(pin.crew_id, pin.crew_id)} on {pin.day:%A}"
    if broken.found is None:
        return f"{head}, was left out" + (f": {broken.reason}" if broken.reason else "")
    crew, day = broken.found
    return f"{head}, was planned for {names.get(crew, crew)} on {day:%A}"


__all__ = ["BrokenPin", "allowed_crew_days", "broken_pins", "describe_broken", "due_window_words", "pin_problems",
           "why_not"]
