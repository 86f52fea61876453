"""One day's routes by PyVRP: the tasks of a day across the crews working that day.

Why: PyVRP's iterated local search is within 0.1 % of the best-known distance on time-windowed routing
(`envservices bench solomon`), far better than our insertion + local search, and it expresses most of a
crew-day: shift, vehicle volume with unload trips to tips (reload depots), task windows, service time, work
that may be left out at a price (prize), overtime at extra cost. What it cannot express is approximated here
on the safe side and the engine's exact simulator has the last word (solve.py re-times every route and keeps
the engine's own routes where a rule would break):

- skills and equipment: PyVRP has no task-crew compatibility, so each distinct set of tasks a crew-day may do
  gets its own routing profile in which the tasks it may not do are out of reach (prohibitive travel);
- breaks: the shift is shortened by the breaks' total length and the simulator puts them back in;
- closed periods: the task's window is narrowed to the longest stretch that avoids them;
- the tip at the end of the day: reaching the day's end depot costs the trip through the best tip that
  takes the task's stream (`DayTask.tips`);
- tips per stream: a crew-day reloads only at the tips that take every stream it may collect that day (none
  when no tip takes them all: its body then bounds the day, which is safe);
- split bodies: one load dimension per compartment (`DayTask.loads`, `DayCrew.capacities`; built by
  `engine.compartments.LoadDimensions`), a reload emptying them all.

This module knows nothing of the engine's state: it takes plain per-day data and returns routes as task keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

COST_SCALE = 36_000  # cost units -> PyVRP integers: a crew's hourly and per-km rates become whole numbers
FAR_S = 10_000_000  # travel time to a task a crew may not do: far past any shift
FAR_M = 100_000_000  # and its distance
PRIZE_CAP_FACTOR = 4.0  # a prize is capped at this many times the task's solo trip cost (see _prizes)
LATEST = 2**40  # an open end of a time window (PyVRP needs integers; 2**40 s is far beyond any day)


@dataclass(frozen=True)
class DayCrew:
    """One crew-day offered to PyVRP. `key` is the caller's handle (the engine's crew-day index)."""

    key: int
    depot: int  # travel matrix location
    start_s: int
    end_s: int  # shift end, already shortened by the breaks
    overtime_s: int
    capacity_l: int
    cost_per_hour: float
    cost_per_km: float
    overtime_multiplier: float = 1.5
    fixed_cost: float = 0.0  # of using this crew-day at all
    capacities: tuple[int, ...] = ()  # litres per load dimension (a split body); empty: capacity_l alone


@dataclass(frozen=True)
class DayTask:
    """One task that may be done this day. `crews` holds the keys of the crew-days allowed to do it."""

    key: int
    location: int
    duration_s: int
    crews: frozenset[int]
    volume_l: int = 0
    earliest_start_s: int = 0
    latest_end_s: int | None = None
    prize: float = 0.0  # cost of leaving it out (ignored when required)
    required: bool = False
    tips: frozenset[int] | None = None  # the tips (indices into route_day's `tips`) that take its load; None: all
    loads: tuple[int, ...] = ()  # litres per load dimension, as DayCrew.capacities; empty: volume_l alone


@dataclass(frozen=True)
class DayTip:
    location: int
    open_s: int = 0
    close_s: int = 24 * 3600
    unload_s: int = 900


def open_stretch(start_s: int, end_s: int | None, duration_s: int,
                 closed: list[tuple[int, int]] | None) -> tuple[int, int | None] | None:
    """The longest part of [start, end] free of closed periods that still holds the work, or None.

    PyVRP takes one window per task; choosing one free stretch is stricter than the rule (never looser), so a
    route PyVRP finds keeps the closed periods without the simulator having to move anything."""
    if not closed:
        return start_s, end_s
    stretches: list[tuple[int, int | None]] = []
    cur: int = start_s
    for cs, ce in sorted(closed):
        if end_s is not None and cs >= end_s:
            break
        if ce <= cur:
            continue
        if cs > cur:
            stretches.append((cur, cs if end_s is None else min(cs, end_s)))
        cur = max(cur, ce)
    if end_s is None or cur < end_s:
        stretches.append((cur, end_s))
    fitting = [(a, b) for a, b in stretches if b is None or b - a >= duration_s]
    if not fitting:
        return None
    return max(fitting, key=lambda ab: (math.inf if ab[1] is None else ab[1] - ab[0], -ab[0]))


def route_day(tasks: list[DayTask], crews: list[DayCrew], tips: list[DayTip], duration_s: np.ndarray,
              distance_m: np.ndarray, time_limit_s: float, stop: Callable[[float], bool] | None = None,
              seed: int = 0, initial: dict[int, list[int]] | None = None) -> dict[int, list[int]] | None:
    """PyVRP's routes for the day as {crew key: [task keys in order]}, or None when it found nothing feasible.

    `initial` (crew key -> task keys) warm-starts the search from the engine's current routes. Tips are not in
    the returned order: the engine's simulator decides where to unload."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    if not crews or not tasks:
        return None
    # crew-days alike in everything PyVRP sees become one vehicle type with several vehicles
    groups: dict[tuple, list[DayCrew]] = {}
    allowed: dict[int, frozenset[int]] = {
        c.key: frozenset(i for i, t in enumerate(tasks) if c.key in t.crews) for c in crews}
    for c in crews:
        sig = (c.depot, c.start_s, c.end_s, c.overtime_s, c.capacity_l, c.capacities, c.cost_per_hour,
               c.cost_per_km, c.overtime_multiplier, c.fixed_cost, allowed[c.key])
        groups.setdefault(sig, []).append(c)
    group_list = list(groups.values())

    # PyVRP locations: depots, end depots (only with tips: the day's last unload), tips, then one per task
    depots = sorted({c.depot for c in crews})
    n_dep = len(depots)
    n_end = n_dep if tips else 0
    matrix_loc = depots + depots[:n_end] + [tp.location for tp in tips] + [t.location for t in tasks]
    m = np.asarray(matrix_loc, dtype=np.int64)
    dur = np.asarray(duration_s)[np.ix_(m, m)].astype(np.int64)
    dist = np.asarray(distance_m)[np.ix_(m, m)].astype(np.int64)
    first_tip = n_dep + n_end
    first_task = first_tip + len(tips)
    if tips:
        # the day ends with a tip visit when anything was collected: reaching the end depot goes through one
        tip_locs = np.asarray([tp.location for tp in tips], dtype=np.int64)
        unload = np.asarray([tp.unload_s for tp in tips], dtype=np.int64)
        for e, depot in enumerate(depots):
            via_s = np.asarray(duration_s)[np.ix_(m, tip_locs)] + unload[None, :] \
                + np.asarray(duration_s)[tip_locs, depot][None, :]
            via_m = np.asarray(distance_m)[np.ix_(m, tip_locs)] + np.asarray(distance_m)[tip_locs, depot][None, :]
            for i, t in enumerate(tasks):
                if t.tips is not None and t.tips:  # only through a tip that takes its stream
                    shut = np.asarray(sorted(set(range(len(tips))) - t.tips), dtype=np.int64)
                    via_s[first_task + i, shut] = FAR_S
            best = np.argmin(via_s, axis=1)
            col = n_dep + e
            dur[first_task:, col] = via_s[first_task:][np.arange(len(tasks)), best[first_task:]]
            dist[first_task:, col] = via_m[first_task:][np.arange(len(tasks)), best[first_task:]]
    np.fill_diagonal(dur, 0)
    np.fill_diagonal(dist, 0)

    # costs as integers: one common scale for every rate and prize
    rates = []
    for grp in group_list:
        c = grp[0]
        rates += [c.cost_per_km * COST_SCALE / 1000, c.cost_per_hour * COST_SCALE / 3600,
                  c.cost_per_hour * (c.overtime_multiplier - 1.0) * COST_SCALE / 3600]
    ints = [round(r) for r in rates if round(r) > 0]
    divisor = math.gcd(*ints) if ints else 1

    def scaled(value: float) -> int:
        return round(value * COST_SCALE / divisor)

    prizes = _prizes(tasks, crews, group_list, allowed, depots, n_end, first_task, dur, dist, scaled, divisor)

    locations = [pyvrp.Location(0.0, 0.0) for _ in matrix_loc]
    depot_objs = [pyvrp.Depot(i) for i in range(n_dep + n_end)]
    depot_objs += [pyvrp.Depot(first_tip + j, tw_early=tp.open_s, tw_late=max(tp.open_s, tp.close_s - tp.unload_s),
                               service_duration=tp.unload_s) for j, tp in enumerate(tips)]
    clients = []
    for i, t in enumerate(tasks):
        late = LATEST if t.latest_end_s is None else max(t.earliest_start_s, t.latest_end_s - t.duration_s)
        clients.append(pyvrp.Client(
            first_task + i, pickup=list(t.loads) if t.loads else [int(t.volume_l)], service_duration=int(t.duration_s),
            tw_early=int(t.earliest_start_s), tw_late=int(late), prize=0 if t.required else prizes[i],
            required=t.required))

    # one profile per distinct set of tasks a group may do: the others are out of reach
    profiles: dict[frozenset[int], int] = {}
    dist_mats: list[np.ndarray] = []
    dur_mats: list[np.ndarray] = []
    all_tasks = frozenset(range(len(tasks)))
    vehicle_types = []
    for grp in group_list:
        c = grp[0]
        can = allowed[c.key]
        if can not in profiles:
            profiles[can] = len(dist_mats)
            banned = np.asarray(sorted(all_tasks - can), dtype=np.int64) + first_task
            d_mat, t_mat = dist.copy(), dur.copy()
            if len(banned):
                d_mat[:, banned] = FAR_M
                t_mat[:, banned] = FAR_S
                d_mat[banned, banned] = 0
                t_mat[banned, banned] = 0
            dist_mats.append(d_mat)
            dur_mats.append(t_mat)
        e = depots.index(c.depot)
        per_m = round(c.cost_per_km * COST_SCALE / 1000 / divisor)
        per_s = round(c.cost_per_hour * COST_SCALE / 3600 / divisor)
        over_s = round(c.cost_per_hour * (c.overtime_multiplier - 1.0) * COST_SCALE / 3600 / divisor)
        vehicle_types.append(pyvrp.VehicleType(
            num_available=len(grp), capacity=list(c.capacities) if c.capacities else [int(c.capacity_l)], start_depot=e, end_depot=n_dep + e if tips else e,
            tw_early=c.start_s, start_late=c.start_s, tw_late=c.end_s + c.overtime_s,
            shift_duration=max(0, c.end_s - c.start_s), max_overtime=c.overtime_s,
            unit_distance_cost=per_m, unit_duration_cost=per_s, unit_overtime_cost=over_s,
            fixed_cost=max(0, scaled(c.fixed_cost)),
            profile=profiles[can], reload_depots=_reload_tips(tasks, can, len(tips), first_tip),
        ))
    data = pyvrp.ProblemData(locations, clients, depot_objs, vehicle_types, dist_mats, dur_mats)

    warm = None
    if initial:
        warm = _initial_solution(pyvrp, data, tasks, group_list, initial)
    criterion = _Until(MaxRuntime(max(0.01, time_limit_s)), stop)
    result = pyvrp.solve(data, criterion, seed=seed, collect_stats=False, display=False,
                         initial_solution=warm)
    best = result.best
    if not best.is_feasible():
        return None
    routes_by_group: list[list[list[int]]] = [[] for _ in group_list]
    for route in best.routes():
        keys = [tasks[a.idx].key for a in route.schedule() if a.type == pyvrp.ActivityType.CLIENT]
        if keys:
            routes_by_group[route.vehicle_type()].append(keys)
    out: dict[int, list[int]] = {}
    for grp, routes in zip(group_list, routes_by_group):
        out.update(_match(grp, routes, initial or {}))
    return out


def _reload_tips(tasks: list[DayTask], can: frozenset[int], n_tips: int, first_tip: int) -> list[int]:
    """PyVRP's reload depots for a crew-day that may do the tasks `can`: the tips that take all their loads."""
    ok = set(range(n_tips))
    for i in can:
        if tasks[i].tips is not None and tasks[i].volume_l > 0:
            ok &= tasks[i].tips
    return [first_tip + j for j in sorted(ok)]


def _prizes(tasks: list[DayTask], crews: list[DayCrew], group_list: list[list[DayCrew]],
            allowed: dict[int, frozenset[int]], depots: list[int], n_end: int, first_task: int, dur: np.ndarray,
            dist: np.ndarray, scaled: Callable[[float], int], divisor: int) -> list[int]:
    """Each task's prize in PyVRP's units: its cost of being left out, capped near what serving it could cost.

    A prize far above every route cost (a benchmark's 10,000,000, an urgent task's penalty) drowns PyVRP's
    penalties for late or overfull routes, and the search then never finds a feasible plan. Above what a
    crew-day would spend to serve the task on its own, a larger prize changes no decision except which task
    to drop when not everything fits, so the cap is a multiple of that solo cost, one step higher for each
    higher level of penalty, which keeps urgent before routine before optional."""
    levels = sorted({t.prize for t in tasks})
    level_of = {v: i for i, v in enumerate(levels)}
    solo = np.zeros(len(tasks))
    for grp in group_list:
        c = grp[0]
        e = depots.index(c.depot)
        end = (len(depots) + e) if n_end else e
        idx = np.asarray(sorted(allowed[c.key]), dtype=np.int64)
        if not len(idx):
            continue
        cols = idx + first_task
        trip_s = dur[e, cols] + dur[cols, end] + np.asarray([tasks[i].duration_s for i in idx])
        trip_m = dist[e, cols] + dist[cols, end]
        cost = trip_s * (c.cost_per_hour * (1.0 + max(0.0, c.overtime_multiplier - 1.0)) / 3600.0) \
            + trip_m * (c.cost_per_km / 1000.0)
        solo[idx] = np.maximum(solo[idx], cost)
    out = []
    for i, t in enumerate(tasks):
        cap = PRIZE_CAP_FACTOR * (1 + level_of[t.prize]) * max(float(solo[i]), 1.0 / COST_SCALE * divisor)
        out.append(max(1, scaled(min(t.prize, cap))))
    return out


def _initial_solution(pyvrp, data, tasks: list[DayTask], group_list: list[list[DayCrew]],
                      initial: dict[int, list[int]]):
    """The caller's routes as a PyVRP solution (tasks PyVRP was not given are skipped)."""
    client_of = {t.key: i for i, t in enumerate(tasks)}
    routes = []
    for g, grp in enumerate(group_list):
        for c in grp:
            visits = [client_of[x] for x in initial.get(c.key, []) if x in client_of]
            if visits:
                routes.append(pyvrp.Route(data, visits, g))
    try:
        return pyvrp.Solution(data, routes)
    except (ValueError, RuntimeError, IndexError):
        return None


def _match(group: list[DayCrew], routes: list[list[int]], initial: dict[int, list[int]]) -> dict[int, list[int]]:
    """Give each route to the crew-day of the group whose current route it overlaps most, so a place keeps
    its team where the day's routes allow it."""
    out: dict[int, list[int]] = {}
    free = [c.key for c in group]
    scored = sorted(((len(set(r) & set(initial.get(k, []))), i, k) for i, r in enumerate(routes) for k in free),
                    reverse=True)
    used_routes: set[int] = set()
    for _score, i, k in scored:
        if i in used_routes or k in out:
            continue
        out[k] = routes[i]
        used_routes.add(i)
    for k in free:
        out.setdefault(k, [])
    return out


class _Until:
    """PyVRP's stopping criterion: its time slice, or the caller's criterion (e.g. a cancel button)."""

    def __init__(self, time_slice, stop: Callable[[float], bool] | None) -> None:
        self.time_slice = time_slice
        self.stop = stop

    def __call__(self, best_cost: float) -> bool:
        if self.time_slice(best_cost):
            return True
        return bool(self.stop is not None and self.stop(best_cost))
