"""The engine's PyVRP path: days routed by PyVRP are kept only when the exact simulator and checker agree."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from test_planning_solve import LINE, H, crew, placement, problem, task

from envservices.planning.callbacks import ProgressLog
from envservices.planning.check import check
from envservices.planning.day_routing import DayCrew, DayTask, DayTip, open_stretch, route_day
from envservices.planning.problem import Before, Closed, ProblemBreak, ProblemTip
from envservices.planning.solve import solve

pytest.importorskip("pyvrp")
solve_module = importlib.import_module("envservices.planning.engine.pyvrp_days")

GRID = [(0.0, 0.0)] + [(800.0 * (i % 5), 800.0 * (i // 5) + 400.0) for i in range(20)]


def kept_days(log: ProgressLog) -> list[str]:
    return [m for _, _, m in log.reports if "routes by PyVRP kept" in m]


def test_one_day_is_routed_by_pyvrp_and_checks_clean():
    """A one-day problem with windows goes to PyVRP; its routes are kept and the checker finds nothing."""
    tasks = [task(f"t{i}", 1 + i, latest=0, duration_s=900,
                  window_start_s=(7 + i % 3) * H, window_end_s=(11 + i % 3) * H) for i in range(20)]
    p = problem(GRID, tasks, [crew("A"), crew("B"), crew("C")], days=1)
    log = ProgressLog()
    r = solve(p, time_limit_s=2, progress=log, seed=3)
    assert check(p, r) == []
    assert not r.unplanned
    assert kept_days(log)
    assert "PyVRP" in r.kpis["solver"] and "PyVRP" in r.solver


def test_skills_are_kept_through_routing_profiles():
    """Hedge tasks go only to the crew with the hedge skill, though the other crew is nearer and idle."""
    tasks = [task(f"l{i}", 1 + i, latest=0) for i in range(10)]
    tasks += [task(f"h{i}", 11 + i, skill="hedge", latest=0) for i in range(6)]
    crews = [crew("A"), crew("B", skills=("litter_pick", "hedge"), depot=20)]
    p = problem(GRID, tasks, crews, days=1)
    log = ProgressLog()
    r = solve(p, time_limit_s=2, progress=log)
    assert check(p, r) == []
    assert kept_days(log)
    where = placement(r)
    assert all(where[f"h{i}"][0] == "B" for i in range(6))


def test_route_day_gives_a_task_only_to_crews_allowed_to_do_it():
    """Straight to PyVRP: a task allowed only for crew-day 1 is never on crew-day 0's route."""
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 8000, (22, 2))
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)).astype(np.int64)
    dur = dist // 8
    tasks = [DayTask(key=100 + i, location=2 + i, duration_s=600, volume_l=300, prize=10_000,
                     crews=frozenset({1}) if i % 3 == 0 else frozenset({0, 1})) for i in range(20)]
    crews = [DayCrew(k, 0, 7 * H, 15 * H, 0, 1500, 60.0, 0.5) for k in range(2)]
    routes = route_day(tasks, crews, [DayTip(1)], dur, dist, 1.0)
    assert routes is not None
    assert sorted(x for seq in routes.values() for x in seq) == [100 + i for i in range(20)]
    assert not [x for x in routes[0] if (x - 100) % 3 == 0]


def test_a_tip_run_appears_when_the_vehicle_fills():
    """60 l a task, 200 l a vehicle: PyVRP's day needs unload trips, and the plan shows them mid-route."""
    points = GRID + [(1600.0, 5000.0)]
    tasks = [task(f"t{i}", 1 + i, latest=0, volume_l=60) for i in range(12)]
    tip = ProblemTip("tip", len(points) - 1, 6 * H, 18 * H, 600)
    p = problem(points, tasks, [crew("A", capacity_l=200)], days=1, tips=(tip,))
    log = ProgressLog()
    r = solve(p, time_limit_s=2, progress=log)
    assert check(p, r) == []
    assert not r.unplanned
    assert kept_days(log)
    kinds = [s.kind for s in r.routes[0].stops]
    assert kinds.count("tip") >= 4  # 720 l in loads of at most 200 l, and the last unload of the day
    assert "task" in kinds[kinds.index("tip") + 1:]


def test_breaks_are_put_back_by_the_simulator():
    """PyVRP never sees the break; the plan has it in its window and no rule is broken."""
    tasks = [task(f"t{i}", 1 + i, latest=0, duration_s=1500) for i in range(14)]
    brk = ProblemBreak(10 * H, 12 * H, 1800)
    p = problem(GRID, tasks, [crew("A", breaks=(brk,)), crew("B", breaks=(brk,))], days=1)
    r = solve(p, time_limit_s=2)
    assert check(p, r) == []
    assert all(any(s.kind == "break" for s in rt.stops) for rt in r.routes if rt.return_s > 10 * H)


def test_open_stretch_avoids_closed_periods():
    assert open_stretch(7 * H, 15 * H, 1800, [(8 * H, 9 * H), (12 * H, 14 * H)]) == (9 * H, 12 * H)
    assert open_stretch(0, None, 600, [(8 * H, 9 * H)]) == (9 * H, None)
    assert open_stretch(8 * H, 9 * H, 600, [(8 * H, 9 * H)]) is None


def test_before_link_and_closed_period_hold_in_a_week_routed_by_pyvrp():
    """A `before` pair across crews and a closed period: whatever PyVRP proposes, the plan breaks no rule."""
    tasks = [task(f"t{i}", 1 + i % 20, earliest=i % 2, latest=1, duration_s=1200) for i in range(30)]
    tasks.append(task("pick", 5, skill="litter_pick", earliest=0, latest=0))
    tasks.append(task("mow", 5, skill="mowing", equipment="mower", earliest=0, latest=0))
    crews = [crew("A"), crew("B", skills=("mowing", "litter_pick"), equipment=("mower",))]
    closed = (Closed("t3", 1, 8 * H, 12 * H), Closed("t4", 0, 7 * H, 14 * H))
    p = problem(GRID, tasks, crews, days=2, before=(Before("pick", "mow"),), closed=closed)
    r = solve(p, time_limit_s=3)
    assert check(p, r) == []
    where = placement(r)
    if "pick" in where and "mow" in where:
        assert where["pick"][1] == where["mow"][1] and where["pick"][3] <= where["mow"][2]


def test_a_pyvrp_day_that_breaks_a_rule_is_not_kept(monkeypatch):
    """PyVRP stand-in that ignores a closed period and a skill: the engine keeps its own day, zero violations."""
    def careless(tasks, crews, tips, dur, dist, time_s, stop, seed, initial=None):
        every = [t.key for t in tasks]
        return {crews[0].key: every} | {c.key: [] for c in crews[1:]}

    monkeypatch.setattr(solve_module, "route_day", careless)
    tasks = [task(f"t{i}", 1 + i, latest=0) for i in range(8)]
    tasks.append(task("h", 9, skill="hedge", latest=0))
    tasks.append(task("c", 10, latest=0, duration_s=3600))
    crews = [crew("A"), crew("B", skills=("litter_pick", "hedge"))]
    p = problem(LINE, tasks, crews, days=1, closed=(Closed("c", 0, 7 * H, 13 * H),))
    log = ProgressLog()
    r = solve(p, time_limit_s=2, progress=log)
    assert check(p, r) == []
    assert not kept_days(log)
    assert any("the engine's routes kept" in m for _, _, m in log.reports)
    assert placement(r)["h"][0] == "B"
    assert placement(r)["c"][2] >= 13 * H


def test_cancel_during_pyvrp_returns_a_sound_plan():
    """A stop criterion that fires while PyVRP runs: the best plan so far comes back, marked cancelled."""
    tasks = [task(f"t{i}", 1 + i, latest=0) for i in range(20)]
    p = problem(GRID, tasks, [crew("A"), crew("B")], days=1)
    calls = {"n": 0}

    def stop_soon(best: float) -> bool:
        calls["n"] += 1
        return calls["n"] > 400

    r = solve(p, time_limit_s=30, stop=stop_soon)
    assert r.status == "cancelled"
    assert check(p, r) == []
