"""Periodic VRP with intermediate facilities (PVRP-IF, Taverna & Tilk): our weekly choose-the-days bench.

The problem is the litter-bin week in miniature: each bin is emptied `frequency` times over the horizon on
evenly spaced days (one of the allowed day patterns), each day's vehicles start and end at the depot, unload
at a tip (intermediate facility) whenever full and always before returning, and a route's travel plus service
time stays within maxDuration. The objective, as in the published reports, is total travel time (service time
counts against maxDuration but not in the cost).

Solver: choose a pattern per customer, route each day with PyVRP (tips as reload depots), then repeatedly move
customers to the pattern whose days can take them most cheaply (insertion estimate) and re-route the changed
days, keeping a change only when the re-routed total improves. Why PyVRP per day: it expresses reloads at tips
natively and reaches near-optimal day routes in well under a second on these sizes.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from envservices.bench.solomon import BenchmarkFileError

BIG = 10**9


@dataclass(frozen=True)
class PvrpInstance:
    name: str
    horizon_days: int
    vehicles: int
    max_duration: int
    capacity: int
    depot: int
    customers: tuple[int, ...]
    facilities: tuple[int, ...]
    frequency: dict[int, int]
    demand: dict[int, int]
    service: dict[int, int]
    duration: np.ndarray  # int, asymmetric travel time between node ids

    def patterns(self, customer: int) -> list[tuple[int, ...]]:
        return allowed_patterns(self.frequency[customer], self.horizon_days)


@dataclass(frozen=True)
class PvrpRoute:
    day: int
    path: tuple[int, ...]  # node ids, depot first and last, facilities where the vehicle unloads


@dataclass
class PvrpPlan:
    routes: list[PvrpRoute]
    cost: int
    patterns: dict[int, tuple[int, ...]] = field(default_factory=dict)
    seconds: float = 0.0
    iterations: int = 0


def allowed_patterns(frequency: int, horizon_days: int) -> list[tuple[int, ...]]:
    """Evenly spaced day sets, as in the instances' reports: k visits over H days, H/k days apart."""
    if frequency <= 0 or horizon_days % frequency:
        raise BenchmarkFileError(f"A frequency of {frequency} does not divide a {horizon_days}-day horizon.")
    step = horizon_days // frequency
    return [tuple(start + i * step for i in range(frequency)) for start in range(step)]


def read_pvrp(path: str | Path) -> PvrpInstance:
    """Read one PVRP-IF GeoJSON file (`info`, typed point features, the `duration` matrix)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        info = data["info"]
        props = [f["properties"] for f in data["features"]]
        duration = np.rint(np.array(data["duration"], dtype=float)).astype(np.int64)
    except (OSError, ValueError, KeyError) as exc:
        raise BenchmarkFileError(f"{path.name} is not a PVRP-IF GeoJSON file: {exc}.") from exc
    by_type: dict[str, list[int]] = {"depot": [], "customer": [], "intermediateFacility": []}
    for p in props:
        by_type.setdefault(p["type"], []).append(int(p["id"]))
    if len(by_type["depot"]) != 1 or not by_type["intermediateFacility"]:
        raise BenchmarkFileError(f"{path.name} needs exactly one depot and at least one intermediate "
                                 "facility.")
    return PvrpInstance(
        name=path.stem, horizon_days=int(info["planningHorizon"]), vehicles=int(info["numVehicles"]),
        max_duration=int(info["maxDuration"]), capacity=int(info["maxCapacity"]), depot=by_type["depot"][0],
        customers=tuple(by_type["customer"]), facilities=tuple(by_type["intermediateFacility"]),
        frequency={int(p["id"]): int(p["frequency"]) for p in props},
        demand={int(p["id"]): int(round(p["demand"])) for p in props},
        service={int(p["id"]): int(round(p["service"])) for p in props},
        duration=duration,
    )


def find_instances(directory: str | Path) -> list[Path]:
    """Every instance file under DIR (the published layout keeps them in `planning horizon N/`)."""
    return sorted(Path(directory).rglob("*.geojson"), key=lambda p: p.stem)


def read_report(path: str | Path) -> tuple[str, float, list[PvrpRoute]]:
    """Instance name, stated cost and routes of a published report (`report_<name>_feasible_*.txt`)."""
    text = Path(path).read_text()
    head = re.search(r"Solution for (\S+) with cost ([\d.]+)", text)
    if head is None:
        raise BenchmarkFileError(f"{Path(path).name} is not a PVRP-IF solution report.")
    routes: list[PvrpRoute] = []
    day = None
    for line in text.splitlines():
        m = re.match(r"Day: (\d+): Vehicle", line)
        if m:
            day = int(m.group(1))
        elif line.startswith("path") and day is not None:
            routes.append(PvrpRoute(day, tuple(int(float(v)) for v in line.split()[1:])))
    return head.group(1), float(head.group(2)), routes


def route_figures(instance: PvrpInstance, path: tuple[int, ...]) -> tuple[int, int, int]:
    """(travel time, duration with service, largest load between unloads) of one route."""
    d = instance.duration
    travel = int(sum(d[a, b] for a, b in zip(path, path[1:])))
    service = sum(instance.service.get(v, 0) for v in path)
    load = peak = 0
    for v in path:
        if v in instance.facilities or v == instance.depot:
            load = 0
        else:
            load += instance.demand[v]
            peak = max(peak, load)
    return travel, travel + service, peak


def evaluate(instance: PvrpInstance, routes: list[PvrpRoute]) -> tuple[int, list[str]]:
    """Total travel time and every broken rule (fleet, duration, capacity, unloading, visit patterns)."""
    problems: list[str] = []
    total = 0
    per_day: dict[int, int] = {}
    visits: dict[int, list[int]] = {c: [] for c in instance.customers}
    for r in routes:
        if len(r.path) <= 2:
            continue
        per_day[r.day] = per_day.get(r.day, 0) + 1
        travel, duration, peak = route_figures(instance, r.path)
        total += travel
        where = f"day {r.day} route {r.path[:4]}..."
        if not 0 <= r.day < instance.horizon_days:
            problems.append(f"{where}: day outside the horizon")
        if r.path[0] != instance.depot or r.path[-1] != instance.depot:
            problems.append(f"{where}: does not start and end at the depot")
        if r.path[-2] not in instance.facilities:
            problems.append(f"{where}: returns to the depot without unloading at a facility")
        if duration > instance.max_duration:
            problems.append(f"{where}: lasts {duration} > {instance.max_duration}")
        if peak > instance.capacity:
            problems.append(f"{where}: carries {peak} > {instance.capacity}")
        for v in r.path[1:-1]:
            if v in visits:
                visits[v].append(r.day)
            elif v not in instance.facilities:
                problems.append(f"{where}: visits unknown node {v}")
    for day, n in per_day.items():
        if n > instance.vehicles:
            problems.append(f"day {day}: {n} routes > fleet of {instance.vehicles}")
    for c, days in visits.items():
        if tuple(sorted(days)) not in instance.patterns(c):
            problems.append(f"customer {c} visited on days {sorted(days)}, allowed {instance.patterns(c)}")
    return total, problems


class _DayRouter:
    """Routes one day with PyVRP; the route end is a virtual depot reached via the best facility."""

    def __init__(self, instance: PvrpInstance) -> None:
        d = instance.duration
        fac = list(instance.facilities)
        # cost of finishing at node x: unload at the best facility, then drive to the depot
        self.finish = {x: min(int(d[x, f] + d[f, instance.depot]) for f in fac) for x in range(len(d))}
        self.finish_via = {x: min(fac, key=lambda f: int(d[x, f] + d[f, instance.depot]))
                           for x in range(len(d))}
        self.instance = instance
        self._cache: dict[frozenset[int], tuple[int, list[tuple[int, ...]]]] = {}

    def route_day(self, day: int, customers: list[int], time_s: float, seed: int,
                  patience: int = 200) -> tuple[int, list[PvrpRoute]]:
        """Best routes for these customers; a set routed before is only routed again to polish it (patience
        = PyVRP iterations without improvement before it stops; paths don't depend on the day)."""
        key = frozenset(customers)
        if key not in self._cache or patience > 200:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cost, routes = self._solve(customers, time_s, seed, patience)
            if key not in self._cache or cost < self._cache[key][0]:
                self._cache[key] = (cost, [r.path for r in routes])
        cost, paths = self._cache[key]
        return cost, [PvrpRoute(day, path) for path in paths]

    def _solve(self, customers: list[int], time_s: float, seed: int,
               patience: int) -> tuple[int, list[PvrpRoute]]:
        """Try the full fleet, then one vehicle fewer, and so on while feasible; keep the cheapest.

        Why: with a spare vehicle PyVRP's search settles on one-trip routes and rarely finds the cheaper plan
        where one vehicle unloads mid-route and carries on (measured: Milano_030_6_9 day 1, 193 vs 159).
        """
        if not customers:
            return 0, []
        best: tuple[int, list[PvrpRoute]] | None = None
        started = time.perf_counter()
        for fleet in range(self.instance.vehicles, 0, -1):
            left = time_s - (time.perf_counter() - started)
            if best is not None and left <= 0.05:
                break
            cost, routes, feasible = self._solve_fleet(customers, fleet, max(left / fleet, 0.05), seed,
                                                       patience)
            if best is None or cost < best[0]:
                best = (cost, routes)
            if not feasible:
                break
        return best  # type: ignore[return-value]

    def _solve_fleet(self, customers: list[int], fleet: int, time_s: float, seed: int,
                     patience: int) -> tuple[int, list[PvrpRoute], bool]:
        import pyvrp
        from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

        inst = self.instance
        d = inst.duration
        model = pyvrp.Model()
        nodes = [inst.depot, -1, *inst.facilities, *customers]  # -1: the virtual end depot
        locs = [model.add_location(0.0, 0.0) for _ in nodes]
        start = model.add_depot(locs[0])
        end = model.add_depot(locs[1])
        tips = [model.add_depot(locs[2 + i]) for i in range(len(inst.facilities))]
        for i, c in enumerate(customers):
            model.add_client(locs[2 + len(tips) + i], delivery=[inst.demand[c]],
                             service_duration=inst.service[c])
        model.add_vehicle_type(num_available=fleet, capacity=[inst.capacity], start_depot=start,
                               end_depot=end, reload_depots=tips, shift_duration=inst.max_duration)
        for i, a in enumerate(nodes):
            for j, b in enumerate(nodes):
                if b == -1:
                    cost = self.finish[inst.depot if a == -1 else a] if a != -1 else 0
                elif a == -1:  # never travelled (routes end there); an ordinary value keeps PyVRP scaled
                    cost = int(d[inst.depot, b])
                else:
                    cost = int(d[a, b])
                model.add_edge(locs[i], locs[j], distance=cost, duration=cost)
        stop = MultipleCriteria([MaxRuntime(time_s), NoImprovement(patience)])
        result = model.solve(stop, seed=seed, display=False)
        best = result.best
        routes = []
        for route in best.routes():
            path = [inst.depot]
            for a in route.schedule()[1:-1]:
                if a.type == pyvrp.ActivityType.CLIENT:
                    path.append(customers[a.idx])
                else:
                    path.append(inst.facilities[a.idx - 2])
            if self.finish_via[path[-1]] != path[-1]:
                path.append(self.finish_via[path[-1]])
            path.append(inst.depot)
            routes.append(PvrpRoute(0, tuple(path)))
        cost = sum(route_figures(inst, r.path)[0] for r in routes)
        if not best.is_feasible():
            cost += BIG // 1000
        return cost, routes, best.is_feasible()


def _initial_patterns(instance: PvrpInstance, rng: random.Random) -> dict[int, tuple[int, ...]]:
    """Greedy: busiest customers first, each to the pattern whose days are least loaded and nearest peers."""
    d = instance.duration
    work = [0.0] * instance.horizon_days
    members: list[list[int]] = [[] for _ in range(instance.horizon_days)]
    chosen: dict[int, tuple[int, ...]] = {}
    order = sorted(instance.customers,
                   key=lambda c: (-instance.frequency[c], -instance.demand[c], rng.random()))
    scale = max(1.0, float(np.mean(d)))
    for c in order:
        best, best_score = None, None
        for pattern in instance.patterns(c):
            score = 0.0
            for day in pattern:
                near = min((d[c, o] + d[o, c] for o in members[day]), default=2 * scale)
                score += near + work[day] / scale
            if best_score is None or score < best_score:
                best, best_score = pattern, score
        chosen[c] = best
        for day in best:
            members[day].append(c)
            work[day] += instance.service[c] + instance.demand[c] / max(1, instance.capacity) * scale
    return chosen


def _insertion_cost(instance: PvrpInstance, c: int, routes: list[PvrpRoute]) -> float:
    """Cheapest travel added by putting c between consecutive nodes of the day's routes (or a new route)."""
    d = instance.duration
    best = float(d[instance.depot, c] + min(d[c, f] + d[f, instance.depot] for f in instance.facilities))
    if len(routes) >= instance.vehicles:
        best = float(BIG)
    for r in routes:
        duration = route_figures(instance, r.path)[1]
        for a, b in zip(r.path, r.path[1:]):
            delta = d[a, c] + d[c, b] - d[a, b]
            if duration + delta + instance.service[c] <= instance.max_duration * 1.02 and delta < best:
                best = float(delta)
    return best


def _removal_gain(instance: PvrpInstance, c: int, routes: list[PvrpRoute]) -> float:
    d = instance.duration
    for r in routes:
        if c in r.path:
            i = r.path.index(c)
            return float(d[r.path[i - 1], c] + d[c, r.path[i + 1]] - d[r.path[i - 1], r.path[i + 1]])
    return 0.0


def _move_estimates(instance: PvrpInstance, patterns: dict[int, tuple[int, ...]], movable: list[int],
                    day_routes: list[list[PvrpRoute]]) -> list[tuple[float, int, tuple[int, ...]]]:
    """(estimated change in travel, customer, new pattern) for every pattern change, cheapest first."""
    out = []
    for c in movable:
        current = patterns[c]
        gain = sum(_removal_gain(instance, c, day_routes[day]) for day in current)
        for pattern in instance.patterns(c):
            if pattern != current:
                add = sum(_insertion_cost(instance, c, day_routes[day])
                          for day in pattern if day not in current)
                kept = sum(_removal_gain(instance, c, day_routes[day]) for day in pattern if day in current)
                out.append((add + kept - gain, c, pattern))
    out.sort()
    return out


def solve_pvrp(instance: PvrpInstance, time_limit_s: float, seed: int = 0) -> PvrpPlan:
    """Best plan found within the time limit (patterns chosen, each day routed with tips as reloads).

    Each round changes one customer's pattern (most promising by insertion estimate, sometimes a random one to
    escape) and re-routes only the days it touches; a worse total is accepted with a small, cooling allowance
    (simulated annealing) and the best plan is kept. Day routings are cached, so revisiting a set is free.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    router = _DayRouter(instance)
    horizon = instance.horizon_days
    day_time = max(0.2, min(2.0, time_limit_s / (8 * horizon)))

    def day_members(pat: dict[int, tuple[int, ...]], day: int) -> list[int]:
        return sorted(c for c, p in pat.items() if day in p)

    def elapsed() -> float:
        return time.perf_counter() - started

    patterns = _initial_patterns(instance, rng)
    day_cost: list[int] = []
    day_routes: list[list[PvrpRoute]] = []
    for day in range(horizon):
        cost, routes = router.route_day(day, day_members(patterns, day), day_time, seed)
        day_cost.append(cost)
        day_routes.append(routes)
    best = (sum(day_cost), dict(patterns), list(day_routes))
    iterations = 0
    movable = [c for c in instance.customers if len(instance.patterns(c)) > 1]
    tried: set[tuple[int, tuple[int, ...]]] = set()
    mean_day = max(1.0, sum(day_cost) / horizon)
    polish_s = 0.15 * time_limit_s
    while movable and elapsed() < time_limit_s - polish_s:
        iterations += 1
        estimates = [e for e in _move_estimates(instance, patterns, movable, day_routes)
                     if (e[1], e[2]) not in tried]
        if not estimates or rng.random() < 0.15:
            c = rng.choice(movable)
            pattern = rng.choice([p for p in instance.patterns(c) if p != patterns[c]])
        else:
            _, c, pattern = estimates[min(len(estimates) - 1, int(rng.random() ** 3 * 5))]
        candidate = dict(patterns)
        changed: set[int] = set()
        group = [c]
        if rng.random() < 0.4:  # neighbours on the same days move with it: whole rounds change days together
            peers = [o for o in movable if o != c and patterns[o] == patterns[c]
                     and instance.patterns(o) == instance.patterns(c)]
            peers.sort(key=lambda o: instance.duration[c, o] + instance.duration[o, c])
            group += peers[:rng.randint(1, 4)]
        for member in group:
            changed |= set(candidate[member]) | set(pattern)
            candidate[member] = pattern
        new_cost, new_routes = list(day_cost), list(day_routes)
        for day in sorted(changed):
            new_cost[day], new_routes[day] = router.route_day(day, day_members(candidate, day), day_time,
                                                              seed + iterations)
        if elapsed() > time_limit_s - polish_s / 2:
            break
        delta = sum(new_cost) - sum(day_cost)
        temperature = 0.01 * mean_day * max(0.0, 1 - elapsed() / time_limit_s)
        if delta < 0 or (temperature > 0 and rng.random() < math.exp(-delta / temperature)):
            patterns, day_cost, day_routes = candidate, new_cost, new_routes
            tried.clear()
            if sum(day_cost) < best[0]:
                best = (sum(day_cost), dict(patterns), list(day_routes))
        else:
            tried.add((c, pattern))
    _, patterns, day_routes = best
    day_routes = list(day_routes)
    for day in range(horizon):  # polish the best plan's days with the time kept back
        left = time_limit_s - elapsed()
        if left <= 0.05:
            break
        _, day_routes[day] = router.route_day(day, day_members(patterns, day), left / (horizon - day),
                                              seed + day + 1, patience=100_000)
    routes = [r for rs in day_routes for r in rs]
    cost, _ = evaluate(instance, routes)
    return PvrpPlan(routes, cost, patterns, elapsed(), iterations)
