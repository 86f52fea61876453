"""Capacitated arc routing (CARP, the CARPLIB gdb/val/egl files): refuse collection street by street.

Each required street (edge) is collected in one pass in either direction; vehicles of equal capacity start
and end at the depot. Cost = the sum of the required edges' costs (a constant) plus the deadheading between
them, as in the published tables.

Solver: the textbook arc-to-node transformation. Each required edge becomes two clients, one per direction,
in a required mutually exclusive group (PyVRP client groups), so exactly one direction is served; travel
from arc a to arc b is the shortest path from a's end to b's start. The plain OR-Tools model is the same
graph with a two-node disjunction per edge and guided local search. Costs are recomputed here by an
independent evaluator from the routes (each edge served once, loads within capacity).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from envservices.bench.solomon import BenchmarkFileError

SOLVERS = ("envservices", "ortools")


@dataclass(frozen=True)
class CarpInstance:
    name: str
    vertices: int
    vehicles: int
    capacity: int
    depot: int  # 0-based
    required: tuple[tuple[int, int, int, int], ...]  # (u, v, cost, demand), 0-based vertices
    sp: np.ndarray  # shortest-path cost between vertices (all edges)

    @property
    def service_cost(self) -> int:
        return sum(c for _, _, c, _ in self.required)


@dataclass
class CarpRun:
    routes: list[list[tuple[int, bool]]]  # (required edge index, reversed) in service order
    cost: int | None
    seconds: float
    note: str = ""


_EDGE = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*coste\s+(\d+)(?:\s+demanda\s+(\d+))?")


def read_carp(path: str | Path) -> CarpInstance:
    """Read a CARPLIB file (NOMBRE, VERTICES, CAPACIDAD, LISTA_ARISTAS_REQ/NOREQ, DEPOSITO)."""
    path = Path(path)
    text = path.read_text(encoding="latin-1")
    head: dict[str, str] = {}
    for line in text.splitlines():
        if ":" in line and "(" not in line:
            key, _, value = line.partition(":")
            head[key.strip().upper()] = value.strip()
    try:
        name = head.get("NOMBRE", path.stem).split()[0]
        n = int(head["VERTICES"])
        vehicles = int(head.get("VEHICULOS", "0") or 0)
        capacity = int(head["CAPACIDAD"])
        depot = int(head.get("DEPOSITO", "1").split()[0]) - 1
    except (KeyError, ValueError, IndexError) as exc:
        raise BenchmarkFileError(f"{path.name} is not a CARPLIB file ({exc}).") from None
    required_part, _, rest = text.partition("LISTA_ARISTAS_NOREQ")
    required = []
    for u, v, c, q in _EDGE.findall(required_part):
        required.append((int(u) - 1, int(v) - 1, int(c), int(q or 0)))
    others = [(int(u) - 1, int(v) - 1, int(c)) for u, v, c, _ in _EDGE.findall(rest)]
    if not required:
        raise BenchmarkFileError(f"{path.name} lists no required edges.")
    rows, cols, costs = [], [], []
    for u, v, c, *_ in [*required, *others]:
        rows += [u, v]
        cols += [v, u]
        costs += [max(c, 1e-9), max(c, 1e-9)]
    graph = coo_matrix((costs, (rows, cols)), shape=(n, n)).tocsr()
    graph.sum_duplicates()
    sp = shortest_path(graph, method="D", directed=True)
    if not np.isfinite(sp).all():
        raise BenchmarkFileError(f"{path.name}: the graph is not connected.")
    return CarpInstance(name, n, vehicles, capacity, depot, tuple(required), np.rint(sp).astype(np.int64))


def read_bks(directory: Path) -> dict[str, tuple[int, int]]:
    """instance -> (vehicles, cost) from bks.csv."""
    import csv

    path = directory / "bks.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {r["instance"]: (int(r["vehicles"]), int(float(r["cost"]))) for r in csv.DictReader(fh)}


def _arcs(inst: CarpInstance) -> list[tuple[int, int, int, int]]:
    """(edge index, start, end, reversed) for both directions of each required edge."""
    out = []
    for k, (u, v, _, _) in enumerate(inst.required):
        out.append((k, u, v, 0))
        out.append((k, v, u, 1))
    return out


def evaluate(inst: CarpInstance, routes: list[list[tuple[int, bool]]]) -> tuple[int, list[str]]:
    """Cost of the routes and what breaks the rules (an edge served twice or never, an overloaded route)."""
    problems: list[str] = []
    served = [0] * len(inst.required)
    cost = 0
    for r, route in enumerate(routes):
        at = inst.depot
        load = 0
        for k, rev in route:
            u, v, c, q = inst.required[k]
            start, end = (v, u) if rev else (u, v)
            cost += int(inst.sp[at, start]) + c
            load += q
            served[k] += 1
            at = end
        cost += int(inst.sp[at, inst.depot])
        if load > inst.capacity:
            problems.append(f"route {r + 1} carries {load} > {inst.capacity}")
    for k, n in enumerate(served):
        if n != 1:
            problems.append(f"edge {k + 1} served {n} times")
    return cost, problems


def solve_pyvrp(inst: CarpInstance, time_limit_s: float, seed: int = 0) -> CarpRun:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    arcs = _arcs(inst)
    model = pyvrp.Model()
    model.add_depot(model.add_location(0, 0))
    groups = [model.add_client_group(required=True) for _ in inst.required]
    for k, _, _, _ in arcs:
        loc = model.add_location(0, 0)
        model.add_client(loc, delivery=[inst.required[k][3]], required=False, group=groups[k])
    model.add_vehicle_type(num_available=len(inst.required), capacity=[inst.capacity])
    locations = model.locations
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i == j:
                continue
            end_a = inst.depot if i == 0 else arcs[i - 1][2]
            start_b = inst.depot if j == 0 else arcs[j - 1][1]
            model.add_edge(a, b, distance=int(inst.sp[end_a, start_b]))
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    routes = [[(arcs[a.idx][0], bool(arcs[a.idx][3])) for a in route.schedule()
               if a.type == pyvrp.ActivityType.CLIENT] for route in result.best.routes()]
    run = CarpRun(routes, None, time.perf_counter() - started)
    if not result.best.is_feasible():
        run.note = "PyVRP found no feasible solution"
    return run


def solve_ortools(inst: CarpInstance, time_limit_s: float, seed: int = 0) -> CarpRun:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    arcs = _arcs(inst)
    n = 1 + len(arcs)
    manager = pywrapcp.RoutingIndexManager(n, len(inst.required), 0)
    routing = pywrapcp.RoutingModel(manager)
    ends = [inst.depot] + [a[2] for a in arcs]
    starts = [inst.depot] + [a[1] for a in arcs]

    def cost(i: int, j: int) -> int:
        return int(inst.sp[ends[manager.IndexToNode(i)], starts[manager.IndexToNode(j)]])

    transit = routing.RegisterTransitCallback(cost)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitCallback(
        lambda i: 0 if manager.IndexToNode(i) == 0 else inst.required[arcs[manager.IndexToNode(i) - 1][0]][3])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [inst.capacity] * len(inst.required), True, "load")
    big = int(inst.sp.max()) * (len(arcs) + 2) + 1
    for k in range(len(inst.required)):
        routing.AddDisjunction([manager.NodeToIndex(1 + 2 * k), manager.NodeToIndex(2 + 2 * k)], big, 1)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    routes: list[list[tuple[int, bool]]] = []
    if solution is not None:
        for v in range(len(inst.required)):
            index = routing.Start(v)
            route = []
            index = solution.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                a = arcs[manager.IndexToNode(index) - 1]
                route.append((a[0], bool(a[3])))
                index = solution.Value(routing.NextVar(index))
            if route:
                routes.append(route)
    run = CarpRun(routes, None, time.perf_counter() - started)
    if solution is None:
        run.note = "OR-Tools found no solution"
    return run


def run_instance(inst: CarpInstance, solver: str, time_limit_s: float, seed: int = 0) -> CarpRun:
    run = (solve_pyvrp if solver == "envservices" else solve_ortools)(inst, time_limit_s, seed)
    cost, problems = evaluate(inst, run.routes)
    run.cost = None if problems or not run.routes else cost
    run.note = "; ".join(filter(None, [run.note, *problems[:2]]))
    return run
