"""A round's streets pinned to its crew-day go in as one ordered block, and pinned work keeps its depot's reach.

Both came from the demo at scale 1 with households (issue 14): one depot's 3,230 pins were placed one at a
time by exhaustive insertion (28.6 s; the week's other work then ran out of time), and 44 street sweeps were
sent with their place's pinned collections to a depot without a sweeper and left out (and one depot's place
teams given more bins to empty than they had time for).
"""

from __future__ import annotations

import pytest
from test_planning_solve import crew, placement, problem, task

from envservices.planning.check import check
from envservices.planning.engine.schedule import ScheduleMixin
from envservices.planning.engine.search import construct
from envservices.planning.problem import ProblemPin, Together
from envservices.planning.solve import solve, split_by_depot
from envservices.planning.stop import IterationLimit

GRID = [(0.0, 0.0)] + [(300.0 * (i % 8), 300.0 * (i // 8) + 300.0) for i in range(64)]


def _round(n: int, duration_s: int) -> tuple[list, tuple[ProblemPin, ...]]:
    tasks = [task(f"s{i}", 1 + i, skill="hgv", duration_s=duration_s, earliest=0, latest=0, place=f"p{i % 4}")
             for i in range(n)]
    return tasks, tuple(ProblemPin(t.id, "R", 0) for t in tasks)


def test_a_crew_days_pins_are_placed_as_one_block_not_one_by_one(monkeypatch):
    """60 streets pinned to one crew-day are all placed, fixed there, with a handful of schedule simulations
    (one at a time by exhaustive insertion took some 1,800: every position of a growing route)."""
    tasks, pins = _round(60, 120)
    p = problem(GRID, tasks, [crew("R", skills=("hgv",))], days=1, pins=pins)
    calls = 0
    simulate = ScheduleMixin._simulate

    def counting(self, *a, **kw):
        nonlocal calls
        calls += 1
        return simulate(self, *a, **kw)

    monkeypatch.setattr(ScheduleMixin, "_simulate", counting)
    s, built, _stopped, _tried = construct(p, 30, None, lambda *a: None, 0, 0.0)
    assert built
    assert sorted(s.routes[s.cd_index[("R", 0)]]) == list(range(60))
    assert all(s.fixed)
    assert calls < 200  # 60 of them are eligibility's one-task checks


def test_a_block_longer_than_the_day_keeps_what_fits_and_says_why_for_the_rest():
    """30 streets of 30 minutes pinned to an 8-hour crew-day: as many as the day holds are planned there,
    none elsewhere, and each of the rest is left out because its pinned crew-day is full."""
    tasks, pins = _round(30, 30 * 60)
    crews = [crew("R", skills=("hgv",)), crew("S", skills=("hgv",))]
    p = problem(GRID, tasks, crews, days=1, pins=pins)
    r = solve(p, time_limit_s=30, stop=IterationLimit(200), seed=1)
    assert check(p, r) == []
    where = placement(r)
    assert {c for c, *_ in where.values()} == {"R"}
    assert 10 <= len(where) < 16  # 8 h of lifts and drives less what the drives take
    assert set(dict(r.unplanned).values()) == {"it is pinned to a crew-day where it does not fit"}
    assert len(where) + len(r.unplanned) == 30


@pytest.mark.parametrize("pinned_first", [True, False])
def test_a_places_pinned_collection_does_not_drag_work_its_depot_cannot_do(pinned_first):
    """A place's collection pinned to depot A's refuse crew and its street sweep (together, a soft rule):
    the sweep goes to depot B, whose crew has the sweeper, not to A where no crew could do it."""
    points = [(0.0, 0.0)] + [(500.0 * i, 0.0) for i in range(1, 12)]
    bins = task("bins", 3, skill="hgv", earliest=0, latest=0, place="pA")
    sweep = task("sweep", 4, skill="mechanical_sweep", earliest=0, latest=0, place="pA")
    order = [bins, sweep] if pinned_first else [sweep, bins]
    crews = [crew("R", skills=("hgv",), depot=0), crew("W", skills=("mechanical_sweep",), depot=11)]
    p = problem(points, order, crews, days=1, pins=(ProblemPin("bins", "R", 0),),
                together=(Together(tuple(t.id for t in order)),))
    parts = {part.crews[0].id: {t.id for t in part.tasks} for part in split_by_depot(p)}
    assert parts == {"R": {"bins"}, "W": {"sweep"}}


def test_the_week_with_a_pinned_round_and_street_work_plans_both():
    """Solved depot by depot, the pinned round and the sweep both get planned (the sweep was left out)."""
    from envservices.planning.params import SolveParams

    points = [(0.0, 0.0)] + [(500.0 * i, 0.0) for i in range(1, 12)]
    tasks = [task(f"b{i}", 1 + i, skill="hgv", earliest=0, latest=0, place="pA") for i in range(3)]
    tasks.append(task("sweep", 4, skill="mechanical_sweep", earliest=0, latest=0, place="pA"))
    crews = [crew("R", skills=("hgv",), depot=0), crew("W", skills=("mechanical_sweep",), depot=11)]
    p = problem(points, tasks, crews, days=1, pins=tuple(ProblemPin(f"b{i}", "R", 0) for i in range(3)),
                together=(Together(tuple(t.id for t in tasks)),))
    r = solve(p, time_limit_s=30, stop=IterationLimit(100), seed=1, params=SolveParams(decompose_above=1))
    assert check(p, r) == []
    assert r.unplanned == ()
    assert placement(r)["sweep"][0] == "W"




def test_a_places_pinned_collection_does_not_take_all_its_other_work_to_one_depot():
    """A place's 12 hours of bin emptying, together with its collection pinned to depot A's refuse crew: the
    bins share out between the depots' teams as any work does (dragged to A whole, A's one team could not
    do them all and the rest were left out "no room")."""
    points = [(0.0, 0.0)] + [(500.0 * i, 0.0) for i in range(1, 12)]
    tasks = [task("bins", 3, skill="hgv", earliest=0, latest=0, place="pA")]
    tasks += [task(f"e{i}", 3 + i % 3, duration_s=1800, earliest=0, latest=0, place="pA") for i in range(24)]
    crews = [crew("R", skills=("hgv",), depot=0), crew("A", depot=0), crew("B", depot=11)]
    p = problem(points, tasks, crews, days=1, pins=(ProblemPin("bins", "R", 0),),
                together=(Together(tuple(t.id for t in tasks)),))
    parts = {frozenset(c.id for c in part.crews): {t.id for t in part.tasks} for part in split_by_depot(p)}
    near, far = parts[frozenset({"R", "A"})], parts.get(frozenset({"B"}), set())
    assert "bins" in near
    assert far and len(near) + len(far) == 25


def test_a_depots_room_for_street_work_counts_only_the_crews_that_do_it_on_its_day():
    """12 hours of litter picks due on one day near depot A, whose crews are two refuse crews and one litter
    team (and a second litter team on a day off): the picks past the team's share go to depot B's team
    (counted by all A's crews, every day, they all stayed at A and A's team could not do them all)."""
    points = [(0.0, 0.0)] + [(500.0 * i, 0.0) for i in range(1, 12)]
    tasks = [task(f"l{i}", 1 + i % 3, duration_s=1800, earliest=1, latest=1) for i in range(24)]
    crews = [crew("R1", skills=("hgv",)), crew("R2", skills=("hgv",)), crew("A"),
             crew("A2", days_off=(1,)), crew("B", depot=11)]
    parts = {frozenset(c.id for c in part.crews): {t.id for t in part.tasks}
             for part in split_by_depot(problem(points, tasks, crews, days=2))}
    near, far = parts.get(frozenset({"R1", "R2", "A", "A2"}), set()), parts.get(frozenset({"B"}), set())
    assert far and near and len(near) + len(far) == 24
