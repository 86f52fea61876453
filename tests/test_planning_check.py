"""The independent checker catches each hard rule broken by hand in an otherwise sound plan."""

from __future__ import annotations

import dataclasses

import pytest

from envservices.planning.build import straight_line_travel
from envservices.planning.check import check
from envservices.planning.problem import (
    Before,
    Closed,
    PlanningProblem,
    PlanResult,
    ProblemBreak,
    ProblemCrew,
    ProblemLock,
    ProblemPin,
    ProblemTask,
    ProblemTip,
    Route,
    RouteStop,
    Within,
)
from envservices.planning.solve import solve

H = 3600
POINTS = [(0.0, 0.0)] + [(600.0 * i, 0.0) for i in range(1, 9)] + [(2000.0, 900.0)]
TIP = len(POINTS) - 1


def _crew(cid: str, skills: tuple[str, ...], **kw) -> ProblemCrew:
    return ProblemCrew(cid, frozenset(skills), 0, kw.pop("capacity_l", 400), 7 * H, 15 * H,
                       frozenset(kw.pop("equipment", ())),
                       (ProblemBreak(10 * H, 12 * H, 1800),), frozenset({4}), 0, **kw)


def _task(tid: str, loc: int, skill: str = "bin_empty", **kw) -> ProblemTask:
    kw.setdefault("duration_s", 1500)
    return ProblemTask(tid, "p1", loc, skill, skill, kw.pop("duration_s"), kw.pop("earliest", 0),
                       kw.pop("latest", 3), **kw)


@pytest.fixture(scope="module")
def sound() -> tuple[PlanningProblem, PlanResult]:
    """A small week exercising every rule, solved, and clean by the checker."""
    tasks = [
        _task("b1", 1, volume_l=200, duration_s=2400, earliest=0, latest=0),
        _task("b2", 2, volume_l=200, duration_s=2400, earliest=0, latest=0),
        _task("b3", 3, volume_l=200, duration_s=2400, earliest=0, latest=0),
        _task("b4", 4, volume_l=150, duration_s=2400, earliest=0, latest=0, window_start_s=9 * H,
              window_end_s=13 * H),
        _task("pick", 5, skill="litter_pick", earliest=1, latest=1),
        _task("mow", 5, skill="mowing", earliest=1, latest=1, equipment="mower"),
        _task("cut", 6, skill="mowing", earliest=2, latest=2, equipment="mower"),
        _task("sweep", 7, skill="litter_pick", earliest=2, latest=3),
        _task("school", 8, skill="litter_pick", earliest=1, latest=1),
        _task("pinned", 3, skill="litter_pick", earliest=0, latest=3),
        _task("urgent", 2, skill="litter_pick", earliest=0, latest=3, urgent=True, penalty=10_000_000,
              duration_s=600),
        _task("locked1", 1, skill="litter_pick", earliest=3, latest=3),
    ]
    crews = [
        _crew("A", ("bin_empty", "litter_pick", "mowing"), equipment=("mower",)),
        _crew("B", ("litter_pick",)),
        _crew("C", ("litter_pick",)),
    ]
    p = PlanningProblem(
        tuple(tasks), tuple(crews), straight_line_travel(30, 1.3)(POINTS), days=5,
        tips=(ProblemTip("tip", TIP, 0, 24 * H, 600),),
        before=(Before("pick", "mow"),), within=(Within("cut", "sweep", 1),),
        closed=(Closed("school", 1, 7 * H, 9 * H),), pins=(ProblemPin("pinned", "B", 2),),
        locks=(ProblemLock("C", 3, ("locked1",)),), absent=frozenset({("B", 0)}),
    )
    r = solve(p, time_limit_s=2)
    assert check(p, r) == []
    assert not r.unplanned
    return p, r


def _route(r: PlanResult, task_id: str) -> tuple[int, Route]:
    for i, rt in enumerate(r.routes):
        if any(s.task == task_id for s in rt.stops):
            return i, rt
    raise AssertionError(task_id)


def _replace_route(r: PlanResult, i: int, route: Route) -> PlanResult:
    routes = list(r.routes)
    routes[i] = route
    return dataclasses.replace(r, routes=tuple(routes))


def _edit_stop(r: PlanResult, task_id: str, **changes) -> PlanResult:
    i, rt = _route(r, task_id)
    stops = tuple(dataclasses.replace(s, **changes) if s.task == task_id else s for s in rt.stops)
    return _replace_route(r, i, dataclasses.replace(rt, stops=stops))


def _shift_stop(r: PlanResult, task_id: str, delta: int) -> PlanResult:
    i, rt = _route(r, task_id)
    s = next(s for s in rt.stops if s.task == task_id)
    return _edit_stop(r, task_id, arrive_s=s.arrive_s + delta, start_s=s.start_s + delta,
                      end_s=s.end_s + delta)


def _assert_caught(p: PlanningProblem, broken: PlanResult, words: str) -> None:
    found = check(p, broken)
    assert any(words in v for v in found), found


def test_move_to_crew_without_skill(sound):
    """A mow handed to a crew without the mowing skill or the mower."""
    p, r = sound
    i, rt = _route(r, "mow")
    broken = _replace_route(r, i, dataclasses.replace(rt, crew="B"))
    _assert_caught(p, broken, "does not have skill `mowing`")
    _assert_caught(p, broken, "does not have equipment `mower`")


def test_arrival_faster_than_travel(sound):
    """Arriving at a stop sooner than the matrix allows."""
    p, r = sound
    _i, rt = _route(r, "b3")
    s = next(s for s in rt.stops if s.task == "b3")
    _assert_caught(p, _edit_stop(r, "b3", arrive_s=s.arrive_s - 900, start_s=s.arrive_s - 900,
                                 end_s=s.arrive_s - 900 + 2400), "cannot reach")


def test_short_service(sound):
    """Less work time than the task needs."""
    p, r = sound
    _i, rt = _route(r, "b1")
    s = next(s for s in rt.stops if s.task == "b1")
    _assert_caught(p, _edit_stop(r, "b1", end_s=s.start_s + 60), "it needs 2400 s")


def test_tip_removed_overloads_the_vehicle(sound):
    """Dropping the tip stop makes the load exceed the vehicle's capacity."""
    p, r = sound
    i, rt = _route(r, "b1")
    assert any(s.kind == "tip" for s in rt.stops)
    no_tip = tuple(s for s in rt.stops if s.kind != "tip")
    broken = _replace_route(r, i, dataclasses.replace(rt, stops=no_tip))
    _assert_caught(p, broken, "more than its 400 l")


def test_due_day_and_window(sound):
    """A task moved off its due day, and one started before its window."""
    p, r = sound
    i, rt = _route(r, "b4")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, day=rt.day + 1)), "outside its due days")
    _assert_caught(p, _edit_stop(r, "b4", start_s=8 * H, arrive_s=8 * H, end_s=8 * H + 2400), "window opens")


def test_closed_period(sound):
    """The school-run task moved into its closed period."""
    p, r = sound
    _assert_caught(p, _edit_stop(r, "school", arrive_s=7 * H + 1800, start_s=7 * H + 1800, end_s=8 * H),
                   "closed period")


def test_before_order(sound):
    """The mow starting before the litter pick ends."""
    p, r = sound
    _i, rt = _route(r, "pick")
    s = next(s for s in rt.stops if s.task == "pick")
    m = next(x for x in _route(r, "mow")[1].stops if x.task == "mow")
    broken = _shift_stop(r, "mow", s.start_s - m.start_s)
    _assert_caught(p, broken, "before task pick ends")


def test_within_days(sound):
    """The sweep two days after the cut when one is allowed."""
    p, r = sound
    i, rt = _route(r, "sweep")
    cut_day = _route(r, "cut")[1].day
    broken = _replace_route(r, i, dataclasses.replace(rt, day=cut_day + 2))
    _assert_caught(p, broken, "within 1 days")


def test_pin_and_lock(sound):
    """A pinned task moved to another crew, a locked crew-day emptied."""
    p, r = sound
    i, rt = _route(r, "pinned")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, crew="C")), "is pinned to B day 2")
    i, rt = _route(r, "locked1")
    broken = _replace_route(r, i, dataclasses.replace(rt, stops=()))
    _assert_caught(p, broken, "locked crew-day C day 3 was changed")


def test_absent_and_day_off(sound):
    """Work on an absent crew-day and on a day off."""
    p, r = sound
    i, rt = _route(r, "b1")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, crew="B", day=0)), "absent")
    i, rt = _route(r, "sweep")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, day=4)), "day off")


def test_task_twice_and_task_missing(sound):
    """A task planned twice, and a task neither planned nor left out."""
    p, r = sound
    i, rt = _route(r, "b2")
    dup = next(s for s in rt.stops if s.task == "b2")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, stops=rt.stops + (dup,))), "planned twice")
    broken = _replace_route(r, i, dataclasses.replace(rt, stops=tuple(s for s in rt.stops if s.task != "b2")))
    _assert_caught(p, broken, "neither planned nor listed")


def test_shift_end_and_break(sound):
    """Back after shift end; a worked day with its break taken away."""
    p, r = sound
    i, rt = _route(r, "b1")
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, return_s=17 * H)), "after shift end")
    no_break = tuple(s for s in rt.stops if s.kind != "break")
    assert len(no_break) < len(rt.stops)
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, stops=no_break)), "min break")


def test_urgent_left_out_while_a_crew_had_room(sound):
    """Taking the urgent task out of the plan and calling it left out is caught."""
    p, r = sound
    i, rt = _route(r, "urgent")
    stops = tuple(s for s in rt.stops if s.task != "urgent")
    broken = _replace_route(r, i, dataclasses.replace(rt, stops=stops))
    broken = dataclasses.replace(broken, unplanned=broken.unplanned + (("urgent", "no room"),))
    _assert_caught(p, broken, "urgent task urgent is left out although")


def test_a_stop_through_the_wrong_tip(sound):
    """Unloading shorter than the tip's unload time."""
    p, r = sound
    i, rt = _route(r, "b1")
    stops = tuple(dataclasses.replace(s, end_s=s.start_s + 60) if s.kind == "tip" else s for s in rt.stops)
    _assert_caught(p, _replace_route(r, i, dataclasses.replace(rt, stops=stops)), "less than 600 s")


def test_stop_kinds_and_locations():
    """A route visiting a task at a wrong location is caught (no solver needed)."""
    tasks = (_task("t", 1, duration_s=600),)
    p = PlanningProblem(tasks, (_crew("A", ("bin_empty",)),), straight_line_travel(30, 1.3)(POINTS), days=5)
    route = Route("A", 0, 7 * H, 9 * H, 0, (RouteStop("task", 2, 8 * H, 8 * H, 8 * H + 600, task="t"),))
    found = check(p, PlanResult((route,), (), 0.0, {}, "hand", "straight line"))
    assert any("not at its own" in v for v in found)
    assert any("does not match" in v for v in found)
