"""The 'after' and 'apart' co-ordination rules: a litter pick the day after the bins, no mowing on bin day.

The engine must keep them, and the independent checker must catch a plan that breaks them.
"""

from __future__ import annotations

import dataclasses

import pytest

from envservices.domain.model import CoordinationRule
from envservices.planning.build import expand_day_rules, expand_rules, straight_line_travel
from envservices.planning.check import check
from envservices.planning.params import SolveParams
from envservices.planning.problem import (
    After,
    Apart,
    PlanningProblem,
    PlanResult,
    ProblemCrew,
    ProblemPin,
    ProblemTask,
    Route,
    RouteStop,
)
from envservices.planning.solve import solve

H = 3600
POINTS = [(0.0, 0.0), (500.0, 0.0), (500.0, 400.0), (900.0, 0.0), (900.0, 400.0)]


def _tasks() -> tuple[ProblemTask, ...]:
    """Two places: each has a collection fixed to one day, a pick due any day, and a mow due any day."""
    return (
        ProblemTask("bins-a", "a", 1, "refuse_residual", "hgv", 1800, 1, 1, urgent=True),
        ProblemTask("bins-b1", "b", 3, "refuse_residual", "hgv", 1800, 0, 0, urgent=True),
        ProblemTask("bins-b2", "b", 4, "refuse_residual", "hgv", 1800, 2, 2, urgent=True),
        ProblemTask("pick-a", "a", 2, "litter_pick", "litter_pick", 1800, 0, 4),
        ProblemTask("pick-b", "b", 4, "litter_pick", "litter_pick", 1800, 0, 4),
        ProblemTask("mow-a", "a", 2, "mow", "mowing", 3600, 0, 4),
        ProblemTask("mow-b", "b", 3, "mow", "mowing", 3600, 0, 4),
    )


RULES = (CoordinationRule("after", "refuse_residual", "litter_pick", max_days=1),
         CoordinationRule("apart", "refuse_residual", "mow"))


def _problem() -> PlanningProblem:
    tasks = _tasks()
    after, apart = expand_day_rules(tasks, RULES)
    crews = (ProblemCrew("rcv", frozenset({"hgv"}), 0, 0, 7 * H, 15 * H),
             ProblemCrew("pick", frozenset({"litter_pick", "mowing"}), 0, 0, 7 * H, 15 * H))
    return PlanningProblem(tasks, crews, straight_line_travel()(POINTS), after=after, apart=apart)


def test_rules_link_each_place_own_tasks():
    after, apart = expand_day_rules(_tasks(), RULES)
    assert set(after) == {After(("bins-a",), "pick-a", 1), After(("bins-b1", "bins-b2"), "pick-b", 1)}
    assert set(apart) == {Apart("bins-a", "mow-a"), Apart("bins-b1", "mow-b"), Apart("bins-b2", "mow-b")}
    # the older kinds pass the new ones by without complaint
    assert expand_rules(_tasks(), RULES) == ((), (), ())


def test_after_is_not_linked_when_no_crew_works_the_day_after():
    friday = (ProblemTask("bins", "a", 1, "refuse_residual", "hgv", 600, 4, 4),
              ProblemTask("pick", "a", 1, "litter_pick", "litter_pick", 600, 0, 5))
    after, _ = expand_day_rules(friday, RULES, {"litter_pick": {0, 1, 2, 3, 4}})
    assert after == ()
    after, _ = expand_day_rules(friday, RULES, {"litter_pick": {0, 1, 2, 3, 4, 5}})
    assert after == (After(("bins",), "pick", 1),)


def test_engine_keeps_after_and_apart():
    p = _problem()
    r = solve(p, time_limit_s=3, seed=1)
    assert check(p, r) == []
    assert not r.unplanned
    day = {s.task: route.day for route in r.routes for s in route.stops if s.kind == "task"}
    assert day["pick-a"] == 2
    assert day["pick-b"] in (1, 3)
    assert day["mow-a"] != 1
    assert day["mow-b"] not in (0, 2)


def _move(result: PlanResult, task: str, day: int) -> PlanResult:
    """The same plan with one task's route put on another day (a crew-day of its own)."""
    routes = []
    for route in result.routes:
        stops = [s for s in route.stops if s.task != task]
        moved = [s for s in route.stops if s.task == task]
        if moved:
            routes.append(dataclasses.replace(route, day=day, stops=tuple(moved), crew=route.crew + "x"))
        if stops != list(route.stops):
            routes.append(dataclasses.replace(route, stops=tuple(stops)))
        else:
            routes.append(route)
    return dataclasses.replace(result, routes=tuple(routes))


def test_checker_catches_a_pick_on_the_wrong_day_and_a_mow_on_bin_day():
    tasks = _tasks()[:1] + (_tasks()[3], _tasks()[5])
    after, apart = expand_day_rules(tasks, RULES)
    crews = (ProblemCrew("c", frozenset({"hgv", "litter_pick", "mowing"}), 0, 0, 7 * H, 15 * H),)
    p = PlanningProblem(tasks, crews, straight_line_travel()(POINTS), after=after, apart=apart)

    def route(day: int, tid: str, loc: int) -> Route:
        travel = int(p.travel.duration_s[0, loc])
        dur = next(t.duration_s for t in tasks if t.id == tid)
        start = 8 * H
        return Route("c", day, start - travel, start + dur + travel, 2 * int(p.travel.distance_m[0, loc]),
                     (RouteStop("task", loc, start, start, start + dur, task=tid),))

    good = PlanResult((route(1, "bins-a", 1), route(2, "pick-a", 2), route(3, "mow-a", 2)), (), 0.0, {},
                      "test", "straight")
    assert check(p, good) == []
    bad = PlanResult((route(1, "bins-a", 1), route(3, "pick-a", 2), route(4, "mow-a", 2)), (), 0.0, {},
                     "test", "straight")
    assert any(v.startswith("after 1 days: task pick-a is on day 3") for v in check(p, bad))
    # mow on the bins' day (its own crew-day record on day 1 would clash with the bins' route: same crew)
    clash = PlanResult((route(1, "bins-a", 1), route(2, "pick-a", 2)), (("mow-a", "left out"),), 0.0, {},
                       "test", "straight")
    assert check(p, clash) == []
    crews2 = crews + (ProblemCrew("d", frozenset({"mowing"}), 0, 0, 7 * H, 15 * H),)
    p2 = dataclasses.replace(p, crews=crews2)
    mow = dataclasses.replace(route(1, "mow-a", 2), crew="d")
    apart_bad = PlanResult((route(1, "bins-a", 1), route(2, "pick-a", 2), mow), (), 0.0, {}, "test", "straight")
    assert check(p2, apart_bad) == ["apart: tasks bins-a and mow-a are both on day 1"]


def test_work_due_only_on_bin_day_is_left_out_saying_why():
    tasks = (ProblemTask("bins", "a", 1, "refuse_residual", "hgv", 1800, 1, 1, urgent=True),
             ProblemTask("mow", "a", 2, "mow", "mowing", 1800, 1, 1))
    after, apart = expand_day_rules(tasks, RULES)
    crews = (ProblemCrew("rcv", frozenset({"hgv"}), 0, 0, 7 * H, 15 * H),
             ProblemCrew("grounds", frozenset({"mowing"}), 0, 0, 7 * H, 15 * H))
    p = PlanningProblem(tasks, crews, straight_line_travel()(POINTS), after=after, apart=apart)
    r = solve(p, time_limit_s=2, seed=1)
    assert check(p, r) == []
    assert [(tid, reason.split(" (")[1]) for tid, reason in r.unplanned] == [
        ("mow", "an 'apart' rule, e.g. no mowing while bins are out)")]


@pytest.mark.parametrize("decompose_above", [4000, 0])
def test_a_pinned_task_that_does_not_fit_its_crew_day_is_left_out_not_moved(decompose_above):
    """A round pinned to its crew: when the crew-day is full the rest of the round is left out with the reason,
    never handed to another crew (that breaks the pin), with or without the depot split."""
    tasks = tuple(ProblemTask(f"r{i}", "a", 1, "refuse_residual", "hgv", 3 * H, 0, 0, urgent=True)
                  for i in range(4))
    crews = (ProblemCrew("own", frozenset({"hgv"}), 0, 0, 7 * H, 15 * H),
             ProblemCrew("other", frozenset({"hgv"}), 3, 0, 7 * H, 15 * H))
    pins = tuple(ProblemPin(t.id, "own", 0) for t in tasks)
    p = PlanningProblem(tasks, crews, straight_line_travel()(POINTS), days=1, pins=pins)
    r = solve(p, time_limit_s=2, seed=1, params=SolveParams(decompose_above=decompose_above))
    assert check(p, r) == []
    assert {x.crew for x in r.routes if x.stops} == {"own"}
    assert len(r.unplanned) == 2
    assert all("pinned" in reason for _, reason in r.unplanned)
