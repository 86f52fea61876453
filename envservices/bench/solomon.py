"""Solomon VRPTW benchmark: parser, DIMACS evaluator and three solvers compared on the same time limit.

Why: the issue asks whether our per-day routing is near best-known on time-windowed work, and to show PyVRP
and plain OR-Tools beside it honestly. Every reported cost is recomputed here from the returned routes with
the DIMACS convention (each arc's Euclidean length truncated to one decimal), never taken from a solver, and
every solution is checked for time windows, capacity and each customer served exactly once.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from envservices.errors import UserError

SCALE = 10  # DIMACS: distances x10, truncated, so one decimal survives as an integer


class BenchmarkFileError(UserError):
    """A benchmark file that cannot be read as the format it claims to be."""


class EngineNotReady(RuntimeError):
    """Our planning engine is not importable or cannot take a single-day VRPTW yet."""


@dataclass(frozen=True)
class SolomonInstance:
    """One Solomon instance; index 0 is the depot and its due date is the horizon."""

    name: str
    vehicles_max: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def customers(self) -> int:
        return len(self.x) - 1

    def arc_matrix(self) -> np.ndarray:
        """Arc lengths x10, truncated (DIMACS); also the travel time x10."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.floor(np.sqrt(dx * dx + dy * dy) * SCALE + 1e-9).astype(np.int64)


@dataclass(frozen=True)
class Bks:
    vehicles: int
    cost: float
    source: str


@dataclass(frozen=True)
class BksTable:
    """Best-known values and which file and objective they come from (shown in every report header)."""

    file: str
    objective: str
    values: dict[str, Bks]


@dataclass
class SolomonRun:
    """One solver's result on one instance; cost and feasibility are our own recomputation."""

    instance: str
    solver: str
    routes: list[list[int]]
    seconds: float
    cost: float | None = None
    violations: tuple[str, ...] = ()
    note: str = ""

    @property
    def vehicles(self) -> int:
        return sum(1 for r in self.routes if r)


def read_solomon(path: str | Path) -> SolomonInstance:
    """Parse the Solomon text format (CRLF or LF): name, vehicle line, then one row per customer."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise BenchmarkFileError(f"Cannot read the Solomon file {path}: {exc.strerror}.") from exc
    name = lines[0].strip() if lines else path.stem
    vehicles = capacity = None
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        parts = line.split()
        if parts[:2] == ["NUMBER", "CAPACITY"] and i + 1 < len(lines):
            vehicles, capacity = (int(v) for v in lines[i + 1].split()[:2])
        if len(parts) == 7 and all(_is_number(p) for p in parts):
            rows.append([float(p) for p in parts])
    if vehicles is None or capacity is None or len(rows) < 2:
        raise BenchmarkFileError(f"{path.name} is not a Solomon VRPTW file (no vehicle line or customer "
                                 "rows).")
    data = np.array(rows)
    if not np.array_equal(data[:, 0], np.arange(len(rows))):
        raise BenchmarkFileError(f"{path.name}: customer numbers must run 0, 1, 2, ... with 0 the depot.")
    return SolomonInstance(
        name=name, vehicles_max=vehicles, capacity=capacity, x=data[:, 1], y=data[:, 2],
        demand=data[:, 3].astype(np.int64), ready=data[:, 4].astype(np.int64),
        due=data[:, 5].astype(np.int64),
        service=data[:, 6].astype(np.int64),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_bks(directory: str | Path, file: str = "bks.csv") -> dict[str, Bks]:
    """Read a `bks*.csv` table (columns instance,vehicles,cost,source; extra columns ignored)."""
    path = Path(directory) / file
    try:
        with path.open(newline="") as fh:
            return {
                row["instance"]: Bks(int(row["vehicles"]), float(row["cost"]), row.get("source", ""))
                for row in csv.DictReader(fh)
            }
    except (OSError, KeyError, ValueError) as exc:
        raise BenchmarkFileError(f"Cannot read best-known values from {path}: {exc}.") from exc


def choose_bks(directory: str | Path) -> BksTable:
    """Prefer the distance-only DIMACS table: we minimise distance, so that is the fair yardstick."""
    directory = Path(directory)
    if (directory / "bks_distance.csv").exists():
        return BksTable("bks_distance.csv", "distance only, DIMACS (each arc truncated to 1 decimal)",
                        read_bks(directory, "bks_distance.csv"))
    return BksTable("bks.csv", "as given in bks.csv (often hierarchical: fewest vehicles, then distance)",
                    read_bks(directory, "bks.csv"))


def read_cvrplib_solution(path: str | Path) -> tuple[list[list[int]], float]:
    """Routes (customer numbers, depot implicit) and the stated cost of a CVRPLIB `.sol` file."""
    routes: list[list[int]] = []
    cost = math.nan
    for line in Path(path).read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(v) for v in line.split(":", 1)[1].split()])
        elif line.startswith("Cost"):
            cost = float(line.split()[1])
    return routes, cost


def route_cost(instance: SolomonInstance, routes: list[list[int]]) -> float:
    """Total DIMACS distance: each arc truncated to one decimal, depot at both ends of every route."""
    arcs = instance.arc_matrix()
    total = 0
    for route in routes:
        if route:
            path = [0, *route, 0]
            total += int(sum(arcs[a, b] for a, b in zip(path, path[1:])))
    return total / SCALE


def check_routes(instance: SolomonInstance, routes: list[list[int]],
                 vehicles: int | None = None) -> list[str]:
    """Every hard rule of VRPTW, with times on the same truncated arcs the cost uses."""
    arcs = instance.arc_matrix()
    problems: list[str] = []
    seen: dict[int, int] = {}
    for k, route in enumerate(r for r in routes if r):
        load = int(instance.demand[route].sum())
        if load > instance.capacity:
            problems.append(f"route {k + 1} carries {load} > capacity {instance.capacity}")
        now = 0
        prev = 0
        for c in route:
            if not 1 <= c <= instance.customers:
                problems.append(f"route {k + 1} visits unknown customer {c}")
                break
            seen[c] = seen.get(c, 0) + 1
            now = max(now + arcs[prev, c], instance.ready[c] * SCALE)
            if now > instance.due[c] * SCALE:
                problems.append(f"customer {c} served at {now / SCALE:.1f} after due {instance.due[c]}")
            now += instance.service[c] * SCALE
            prev = c
        else:
            back = now + arcs[prev, 0]
            if back > instance.due[0] * SCALE:
                problems.append(f"route {k + 1} returns at {back / SCALE:.1f} after the depot closes "
                                f"{instance.due[0]}")
    missing = [c for c in range(1, instance.customers + 1) if c not in seen]
    twice = [c for c, n in seen.items() if n > 1]
    if missing:
        problems.append(f"{len(missing)} customers not served, e.g. {missing[:5]}")
    if twice:
        problems.append(f"{len(twice)} customers served more than once, e.g. {twice[:5]}")
    used = sum(1 for r in routes if r)
    if vehicles is not None and used > vehicles:
        problems.append(f"{used} routes > fleet of {vehicles}")
    return problems


def solve_pyvrp(instance: SolomonInstance, vehicles: int, time_limit_s: float,
                seed: int = 0) -> list[list[int]]:
    """PyVRP's hybrid genetic search directly on the instance: the yardstick the issue names."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    arcs = instance.arc_matrix()
    model = pyvrp.Model()
    locations = [model.add_location(float(instance.x[i]), float(instance.y[i])) for i in range(len(arcs))]
    depot = model.add_depot(locations[0], tw_early=int(instance.ready[0]) * SCALE,
                            tw_late=int(instance.due[0]) * SCALE)
    for i in range(1, len(arcs)):
        model.add_client(locations[i], delivery=[int(instance.demand[i])],
                         service_duration=int(instance.service[i]) * SCALE,
                         tw_early=int(instance.ready[i]) * SCALE, tw_late=int(instance.due[i]) * SCALE)
    model.add_vehicle_type(num_available=vehicles, capacity=[instance.capacity], start_depot=depot,
                           end_depot=depot, tw_early=int(instance.ready[0]) * SCALE,
                           tw_late=int(instance.due[0]) * SCALE)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            model.add_edge(a, b, distance=int(arcs[i, j]), duration=int(arcs[i, j]))
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    if not result.best.is_feasible():
        return []
    return [pyvrp_client_visits(route, first_client=1) for route in result.best.routes()]


def pyvrp_client_visits(route, first_client: int) -> list[int]:
    """Client visits of a PyVRP route as our node numbers (PyVRP numbers clients from 0 after the depots)."""
    import pyvrp

    return [int(a.idx) + first_client for a in route.schedule() if a.type == pyvrp.ActivityType.CLIENT]


def solve_ortools(instance: SolomonInstance, vehicles: int, time_limit_s: float,
                  seed: int = 0) -> list[list[int]]:
    """Plain OR-Tools routing (parallel cheapest insertion + guided local search): the other yardstick."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    arcs = instance.arc_matrix()
    n = len(arcs)
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc_list = arcs.tolist()
    service = (instance.service * SCALE).tolist()
    demand = instance.demand.tolist()

    def distance(i: int, j: int) -> int:
        return arc_list[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def travel_and_service(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return arc_list[a][b] + service[a]

    dist_cb = routing.RegisterTransitCallback(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(dist_cb)
    time_cb = routing.RegisterTransitCallback(travel_and_service)
    horizon = int(instance.due[0]) * SCALE
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(instance.ready[node]) * SCALE,
                                                              int(instance.due[node]) * SCALE)
    for v in range(vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(0, horizon)
        time_dim.CumulVar(routing.End(v)).SetRange(0, horizon)
    demand_cb = routing.RegisterUnaryTransitCallback(lambda i: demand[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [instance.capacity] * vehicles, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for v in range(vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes


def solve_envservices(instance: SolomonInstance, vehicles: int, time_limit_s: float,
                      seed: int = 0) -> list[list[int]]:
    """Our planning engine on the instance as one day: customers are tasks, vehicles are crews.

    Times are tenths of the Solomon unit (so the engine's integer seconds carry DIMACS arcs exactly) and the
    crews cost only distance, so the engine minimises the same objective as the yardsticks. Solomon's due date
    is the latest start; our window holds the whole task, so its end is the due date plus the service time.
    """
    try:
        from envservices.planning import problem as p
        from envservices.planning.solve import solve
    except ImportError as exc:
        raise EngineNotReady(f"envservices.planning.solve is not importable: {exc}") from exc
    arcs = instance.arc_matrix()
    tasks = tuple(
        p.ProblemTask(
            id=str(i), place=str(i), location=i, service="visit", skill="any",
            duration_s=int(instance.service[i]) * SCALE, earliest_day=0, latest_day=0,
            volume_l=int(instance.demand[i]), window_start_s=int(instance.ready[i]) * SCALE,
            window_end_s=int(instance.due[i] + instance.service[i]) * SCALE, penalty=10_000_000,
        )
        for i in range(1, len(arcs))
    )
    crews = tuple(
        p.ProblemCrew(id=f"v{k}", skills=frozenset({"any"}), depot_location=0, capacity_l=instance.capacity,
                      shift_start_s=int(instance.ready[0]) * SCALE, shift_end_s=int(instance.due[0]) * SCALE,
                      cost_per_hour=0.0, cost_per_km=1.0)
        for k in range(vehicles)
    )
    problem = p.PlanningProblem(tasks=tasks, crews=crews,
                                travel=p.TravelMatrix(duration_s=arcs.copy(), distance_m=arcs.copy(),
                                                      source="Solomon DIMACS x10"),
                                days=1)
    result = solve(problem, time_limit_s=time_limit_s, seed=seed)
    routes = []
    for route in result.routes:
        visits = [int(s.task) for s in route.stops if s.kind == "task" and s.task is not None]
        routes.append(visits)
    return routes


SOLVERS = {"envservices": solve_envservices, "pyvrp": solve_pyvrp, "ortools": solve_ortools}


def run_instance(instance: SolomonInstance, solver: str, bks: Bks | None, time_limit_s: float,
                 seed: int = 0) -> SolomonRun:
    """Solve with the best-known fleet; if nothing feasible comes back, add vehicles (the fewest feasible)."""
    solve_fn = SOLVERS[solver]
    vehicles = bks.vehicles if bks else instance.vehicles_max
    start = time.perf_counter()
    note = ""
    routes: list[list[int]] = []
    try:
        while True:
            remaining = time_limit_s - (time.perf_counter() - start)
            routes = solve_fn(instance, vehicles, max(remaining, 1.0), seed)
            feasible = bool(routes) and not check_routes(instance, routes, vehicles)
            if feasible or vehicles >= instance.vehicles_max or remaining <= 1.0:
                break
            vehicles += 1
            note = f"fleet raised to {vehicles}"
    except EngineNotReady as exc:
        print(f"{solver} on {instance.name}: {exc}", file=sys.stderr)
        return SolomonRun(instance.name, solver, [], time.perf_counter() - start,
                          note="n/a (engine not ready)")
    seconds = time.perf_counter() - start
    if not routes:
        return SolomonRun(instance.name, solver, [], seconds, note=(note + "; no solution").lstrip("; "))
    violations = tuple(check_routes(instance, routes, vehicles))
    return SolomonRun(instance.name, solver, [r for r in routes if r], seconds, route_cost(instance, routes),
                      violations, note)
