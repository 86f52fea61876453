"""Where a task may be pinned, and whether a plan kept its pins (services.pins, no Qt)."""

from __future__ import annotations

import datetime as dt

from envservices.domain import CrewDay, Pin, Plan, Skill, Task, Unplanned, Visit
from envservices.planning.problem import ProblemCrew
from envservices.services.pins import allowed_crew_days, broken_pins, describe_broken, why_not

MON = dt.date(2026, 11, 30)
WEEK = [MON + dt.timedelta(days=i) for i in range(5)]


def _task(**kw) -> Task:
    base = {"id": "t1", "service": "litter_bin", "place_id": "p", "x_m": 0.0, "y_m": 0.0, "skill": Skill.LITTER_PICK,
            "duration_s": 600, "earliest_day": MON + dt.timedelta(days=1), "latest_day": MON + dt.timedelta(days=2)}
    base.update(kw)
    return Task(**base)


def _crew(cid: str, skills=("litter_pick",), equipment=(), days_off=(5, 6), capacity=1000) -> ProblemCrew:
    return ProblemCrew(cid, frozenset(skills), 0, capacity, 7 * 3600, 15 * 3600, frozenset(equipment),
                       days_off=frozenset(days_off))


def test_only_the_due_window_and_able_crews_are_allowed():
    task = _task(equipment="sweeper")
    crews = [_crew("a", equipment=("sweeper",)), _crew("b"), _crew("c", skills=("grass",), equipment=("sweeper",))]
    assert allowed_crew_days(task, crews, WEEK) == [("a", WEEK[1]), ("a", WEEK[2])]
    assert allowed_crew_days(task, crews, WEEK, absent={("a", WEEK[1])}, locked={("a", WEEK[2])}) == []
    assert "due Tuesday 1 Dec to Wednesday 2 Dec" in why_not(task, crews[0], WEEK[0])
    assert "sweeper" in why_not(task, crews[1], WEEK[1])
    assert "skill" in why_not(task, crews[2], WEEK[1])
    assert "day off" in why_not(_task(latest_day=WEEK[4]), _crew("d", days_off=(3,)), WEEK[3], crew_name="Crew D")


def test_broken_pins_names_where_the_task_went_or_why_it_was_left_out():
    visit = Visit("t1", "p", 0, 0, 600)
    plan = Plan("plan", "2026-W49", crew_days=(CrewDay("b", WEEK[1], visits=(visit,)),),
                unplanned=(Unplanned("t2", "it does not fit"),))
    kept, moved, dropped = Pin("t1", "b", WEEK[1]), Pin("t1", "a", WEEK[1]), Pin("t2", "a", WEEK[2])
    assert broken_pins(plan, [kept]) == []
    found = broken_pins(plan, [moved, dropped])
    assert [b.found for b in found] == [("b", WEEK[1]), None]
    names = {"a": "Crew A", "b": "Crew B"}
    assert describe_broken(found[0], names, "Empty bin at Church St") == \
        "Empty bin at Church St, pinned to Crew A on Tuesday, was planned for Crew B on Tuesday"
    assert describe_broken(found[1], names).endswith("was left out: it does not fit")
