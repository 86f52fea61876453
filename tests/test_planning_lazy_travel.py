"""Travel computed on demand (a county-size week): the same figures as the dense matrix, depot by depot
planning on each depot's own locations, and the checker reading only the pairs a plan uses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from shapely.geometry import LineString

from envservices.domain.model import RoadLink
from envservices.gis.network import RoadNetwork
from envservices.planning.build import StraightLineBlocks
from envservices.planning.check import check
from envservices.planning.engine.decompose import split_by_depot
from envservices.planning.engine.pieces import localise
from envservices.planning.params import SolveParams
from envservices.planning.problem import LazyTravel, is_lazy
from envservices.planning.solve import solve
from envservices.planning.synthetic import synthetic_problem


def _grid_links(n: int = 6, step: float = 400.0) -> list[RoadLink]:
    links = []
    for i in range(n):
        for j in range(n - 1):
            links.append(RoadLink(f"h{i}-{j}", LineString([(j * step, i * step), ((j + 1) * step, i * step)]),
                                  speed_kph=30.0 + 10 * (i % 2), oneway=(i == 2)))
            links.append(RoadLink(f"v{i}-{j}", LineString([(i * step, j * step), (i * step, (j + 1) * step)]),
                                  speed_kph=30.0))
    return links


def test_road_blocks_give_the_dense_matrix_figures() -> None:
    """Any rows and columns of the on-demand travel equal the same cells of `travel_matrix`."""
    network = RoadNetwork.from_links(_grid_links())
    rng = np.random.default_rng(3)
    points = rng.uniform(-50, 2050, size=(40, 2))
    points[5] = points[6]  # two stops on one spot
    dense = network.travel_matrix(points, cache=False)
    blocks = network.travel_blocks(points)
    rows, cols = np.array([0, 5, 6, 39, 17]), np.arange(40)[::-1]
    duration, distance = blocks.block(rows, cols)
    assert duration.dtype == np.int32
    assert (duration == dense.duration_s[np.ix_(rows, cols)]).all()
    assert (distance == dense.distance_m[np.ix_(rows, cols)]).all()
    lazy = LazyTravel(len(points), blocks, "roads")
    a, b = rng.integers(0, 40, 300), rng.integers(0, 40, 300)
    seconds, metres = lazy.pairs(a, b, chunk=7)
    assert (seconds == dense.duration_s[a, b]).all() and (metres == dense.distance_m[a, b]).all()


def _lazy(problem):
    """The problem with its own dense matrix behind on-demand travel: the engine must reproduce it exactly."""
    class Same:
        source = "same"

        def block(self, rows, cols):
            return (problem.travel.duration_s[np.ix_(rows, cols)].astype(np.int32),
                    problem.travel.distance_m[np.ix_(rows, cols)].astype(np.int32))

    return replace(problem, travel=LazyTravel(problem.travel.size, Same(), "same"))


def test_straight_line_blocks_match_the_dense_function() -> None:
    from envservices.planning.build import straight_line_travel

    points = np.random.default_rng(1).uniform(0, 9000, size=(30, 2))
    dense = straight_line_travel(30.0, 1.3)(points)
    lazy = straight_line_travel(30.0, 1.3).lazy(points)
    assert is_lazy(lazy) and isinstance(lazy.blocks, StraightLineBlocks)
    assert (lazy.duration_s == dense.duration_s).all() and (lazy.distance_m == dense.distance_m).all()


@pytest.mark.parametrize("processes", [1, 2])
def test_a_depot_planned_on_its_own_locations_keeps_its_routes_sound(processes: int) -> None:
    """Depot by depot with travel per depot, in turn or in two processes: every route checks out on the whole
    problem's travel, read pair by pair, and every task is planned or left out with a reason."""
    problem = _lazy(synthetic_problem(260, 16, seed=4))
    params = SolveParams(decompose_above=100, processes=processes)
    parts = split_by_depot(problem, params)
    assert len(parts) == 2
    local, where = localise(parts[0])
    assert local.travel.size == len(where) < problem.travel.size
    assert (local.travel.duration_s == problem.travel.blocks.block(where, where)[0]).all()
    result = solve(problem, time_limit_s=3, seed=2, params=params)
    assert "travel per piece" in result.solver
    assert result.status == "feasible"
    assert ("2 processes" in result.solver) == (processes == 2)
    assert "pieces" in result.solver
    assert "_whole" not in problem.travel.__dict__  # the whole matrix was never built
    assert check(problem, result) == []
    assert "_whole" not in problem.travel.__dict__  # nor by the checker
    planned = {s.task for r in result.routes for s in r.stops if s.task}
    assert planned | {u for u, _ in result.unplanned} == {t.id for t in problem.tasks}
    assert result.kpis["visits"] == len(planned)


def test_checker_on_lazy_travel_finds_a_leg_too_short() -> None:
    problem = _lazy(synthetic_problem(120, 8, seed=5))
    result = solve(problem, time_limit_s=1, seed=1)
    route = next(r for r in result.routes if len(r.stops) > 2)
    first = next(i for i, s in enumerate(route.stops) if s.kind == "task")
    stop = route.stops[first]
    bad = replace(route, stops=route.stops[:first] + (replace(stop, arrive_s=route.depart_s - 1),)
                  + route.stops[first + 1:])
    broken = replace(result, routes=tuple(bad if r is route else r for r in result.routes))
    assert any("cannot reach" in v for v in check(problem, broken))


def test_a_large_depot_part_is_planned_in_areas_and_stays_sound() -> None:
    """Areas compact on the map, each crew in one area, every task with an able crew in its area; the joined
    week checks out and counts its crew-days over the whole week."""
    from envservices.planning.engine.pieces import split_by_area

    problem = synthetic_problem(400, 16, seed=6, lazy=True)
    part = split_by_depot(problem, SolveParams(decompose_above=100))[0]
    areas = split_by_area(part, 70)
    assert len(areas) > 1
    assert sorted(t.id for a in areas for t in a.tasks) == sorted(t.id for t in part.tasks)
    assert sorted(c.id for a in areas for c in a.crews) == sorted(c.id for c in part.crews)
    for a in areas:
        for t in a.tasks:
            assert any(t.skill in c.skills for c in a.crews)
    result = solve(problem, time_limit_s=4, seed=3, params=SolveParams(decompose_above=100, piece_above=70))
    assert f"{len(areas) + 1} pieces" in result.solver or "pieces" in result.solver
    assert check(problem, result) == []
    used = {(r.crew, r.day) for r in result.routes if r.stops}
    assert result.kpis["crew_days"] == len(used)


def test_a_cancel_reaches_the_planning_processes() -> None:
    """Stopped at once: the week comes back cancelled, every task planned or left out with a reason."""
    problem = synthetic_problem(300, 16, seed=7, lazy=True)
    result = solve(problem, time_limit_s=30, seed=1, stop=lambda best: True,
                   params=SolveParams(decompose_above=100, processes=2))
    assert result.status == "cancelled"
    assert check(problem, result) == []

