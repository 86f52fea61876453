"""CP-SAT (OR-Tools) as the week's assignment master: which crew-day does each task, before any routing.

Why: choosing which crews work which days, with a fixed cost per crew-day, skills, due days and a left-out
penalty by priority, is a packing problem where CP-SAT is the state of the art; the engine's insertion takes
the tasks one at a time and its local search empties one short crew-day at a time. Here CP-SAT assigns the
whole week at once; the engine then routes and improves each crew-day starting from that assignment
(`search.construct`), so the exact simulator and the independent checker keep the last word.

The model (plain data in, plain data out):
* a *visit* is a run of a place's tasks alike in skill, equipment, due days and urgency, chained
  nearest-first and cut at VISIT_MAX_S of work and travel, assigned whole to one crew-day it may go to
  (skill, equipment, due day, the crew-day worked and not locked; the engine passes its own eligibility,
  which also knows reach, vehicle size and pins); a pinned or linked task is a visit of its own and may go
  only to its pinned crew-day;
* a crew-day holds at most `fill` of its shift less breaks: each visit's work, its travel (along its chain,
  plus the nearest-neighbour travel into its first stop and out of its last, times `travel_factor`), its
  share of tip trips (volume over the vehicle's capacity times a trip to the nearest tip and unloading) and,
  once per crew-day used, the median leg to and from the depot;
* links where simple: 'before' on the same day, 'within' 0..max days after, 'after' 1..max days after one of
  its firsts that is planned, 'apart' on different days; time-of-day windows, closed periods and the order
  inside a day are left to the engine (said in `Assignment.skipped`);
* minimise the fixed crew-day cost + an estimate of the hourly cost (that time, and a share of the depot
  legs) + the stability term (a task done by another crew than its place's team) + the together term (each
  crew-day a place's tasks use) + the penalty of each task left out;
* a first-fit solution is the complete hint CP-SAT starts from (`_first_fit`).

Measured against the engine's own assignment in bench/RESULTS.md ("CP-SAT as the assignment master").
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from envservices.planning.engine.compartments import holds, room_l
from envservices.planning.problem import PlanningProblem, is_lazy

VISIT_MAX_S = 3600
"""Work and travel of one visit at most (seconds): a place's run of nearby stops the master assigns whole.
Task by task, the demo's needs week was 18,000 variables and one CP-SAT neighbourhood took 16 s (2 cores
shared): no better solution than its starting one in 20 s."""
FILL = 0.95
"""Share of a crew-day's working time (shift less breaks) the master fills; the rest is slack for what the
estimate does not see (the real order, waiting for breaks). Needs week, 30 s: with visits per location,
1.5 times nearest-neighbour travel and 0.9 the master opened 30-32 crew-days and the plans ended at 26-27;
with runs, 1.0 and 0.95 it opens 28 and the plans end at 25-26 (bench/RESULTS.md)."""
TRAVEL_FACTOR = 1.0
"""Times the visit's chain and nearest-neighbour travel. The chains are real paths: on the needs week they sum
to 37 h, against 61 h the engine's plans travel in all (depot legs and the legs between runs included)."""
SCALE = 100  # cost units to the model's integers
DETERMINISTIC_PER_SECOND = 0.2
"""CP-SAT's deterministic time per second of the master's share: on the shared 2-core machine one wall second
gave 0.2 (needs week, 4.5 s: 0.92), so the limit binds before the wall clock (which guards a slower
machine) and the result is the same on every run."""


@dataclass(frozen=True)
class Assignment:
    """Task id -> (crew id, day) for the tasks the master placed; the rest it left out."""

    crew_day: dict[str, tuple[str, int]]
    left_out: tuple[str, ...]
    crew_days: int
    status: str  # optimal | feasible | none
    skipped: tuple[str, ...] = ()


def basic_allowed(problem: PlanningProblem) -> dict[str, list[tuple[str, int]]]:
    """Crew-days each task could go to by skill, equipment, vehicle size and due day (worked, not locked)."""
    locked = {(lk.crew, lk.day) for lk in problem.locks}
    in_locks = {t for lk in problem.locks for t in lk.tasks}
    absent = set(problem.absent)
    out: dict[str, list[tuple[str, int]]] = {}
    for t in problem.tasks:
        if t.id in in_locks:
            continue
        lo, hi = max(0, t.earliest_day), min(problem.days - 1, t.latest_day)
        out[t.id] = [(c.id, d) for c in problem.crews
                     if t.skill in c.skills and (not t.equipment or t.equipment in c.equipment)
                     and holds(c, t)
                     for d in range(lo, hi + 1)
                     if d not in c.days_off and (c.id, d) not in absent and (c.id, d) not in locked]
    return out


def _nearest_travel(problem: PlanningProblem, dur: np.ndarray) -> dict[tuple[int, str, int], float]:
    """(location, skill, day) -> seconds to the nearest other location with work of that skill that day,
    in and out halved; locations alone with their skill on a day get 0 (the depot legs cover them)."""
    at: dict[tuple[str, int], set[int]] = defaultdict(set)
    for t in problem.tasks:
        for d in range(max(0, t.earliest_day), min(problem.days - 1, t.latest_day) + 1):
            at[(t.skill, d)].add(t.location)
    out: dict[tuple[int, str, int], float] = {}
    for (skill, d), locs in at.items():
        ids = np.array(sorted(locs), dtype=np.int64)
        if len(ids) < 2:
            out[(int(ids[0]), skill, d)] = 0.0
            continue
        sub = dur[np.ix_(ids, ids)].astype(np.float64)
        np.fill_diagonal(sub, np.inf)
        near = (sub.min(axis=1) + sub.min(axis=0)) / 2
        for loc, s in zip(ids.tolist(), near.tolist()):
            out[(loc, skill, d)] = s
    return out


def assign_week(problem: PlanningProblem, *, time_limit_s: float = 10.0, seed: int = 0,
                allowed: dict[str, list[tuple[str, int]]] | None = None, fill: float | None = None,
                travel_factor: float | None = None, stability_weight: float = 15.0,
                together_weight: float = 40.0, workers: int = 2,
                stop: Callable[[], bool] | None = None, wall_limit_s: float | None = None) -> Assignment:
    """The week's tasks to crew-days by CP-SAT (see the module); `allowed` narrows each task's crew-days.
    `wall_limit_s` (default the time limit plus a second) guards a machine too slow or too busy for the
    deterministic limit: when it binds first the result depends on the machine's speed."""
    from ortools.sat.python import cp_model

    fill = FILL if fill is None else fill
    travel_factor = TRAVEL_FACTOR if travel_factor is None else travel_factor
    skipped = []
    if any(t.window_start_s is not None for t in problem.tasks) or problem.closed:
        skipped.append("time-of-day windows and closed periods (the engine keeps them)")
    if problem.before:
        skipped.append("'before' order inside a day (the master only keeps the day)")
    if is_lazy(problem.travel) or not problem.tasks or not problem.crews:
        return Assignment({}, tuple(t.id for t in problem.tasks), 0, "none", tuple(skipped))
    allowed = basic_allowed(problem) if allowed is None else allowed
    tasks = {t.id: t for t in problem.tasks}
    crews = {c.id: c for c in problem.crews}
    dur = np.asarray(problem.travel.duration_s)
    near = _nearest_travel(problem, dur)
    pinned = {p.task: (p.crew, p.day) for p in problem.pins}
    linked: set[str] = set(pinned)
    for rule in (*problem.before, *problem.within, *problem.apart):
        linked.update((rule.first, rule.second))
    for a in problem.after:
        linked.update((*a.firsts, a.second))

    # visits: a place's tasks alike in skill, equipment, due days and urgency, chained nearest-first and cut
    # into runs of at most VISIT_MAX_S of work and travel; pinned and linked tasks alone
    alike: dict[tuple, list[str]] = defaultdict(list)
    visits: list[list[str]] = []
    chain_s: list[float] = []
    for t in problem.tasks:
        options = allowed.get(t.id)
        if not options:
            continue
        if t.id in linked:
            visits.append([t.id])
            chain_s.append(0.0)
            continue
        alike[(t.place, t.skill, t.equipment, t.earliest_day, t.latest_day, t.urgent, tuple(options))].append(t.id)
    for members in alike.values():
        for run, travel in _runs(members, tasks, dur):
            visits.append(run)
            chain_s.append(travel)
    visit_of = {x: v for v, members in enumerate(visits) for x in members}

    tip_trip: dict[int, float] = {}  # location -> seconds of a trip via the nearest tip and back, with unloading
    if problem.tips:
        tip_locs = [tp.location for tp in problem.tips]
        unload = min(tp.unload_s for tp in problem.tips)
        for t in problem.tasks:
            if t.location not in tip_trip:
                tip_trip[t.location] = float(min(dur[t.location, j] + dur[j, t.location] for j in tip_locs)) + unload

    def work_s(crew_id: str, v: int) -> int:
        """The crew time visit v takes on a crew-day of this crew: work, travel allowance, tip share."""
        first, last = tasks[visits[v][0]], tasks[visits[v][-1]]
        days = range(max(0, first.earliest_day), min(problem.days - 1, first.latest_day) + 1)
        travel = chain_s[v] + min((near.get((first.location, first.skill, d), 0.0)
                                   + near.get((last.location, last.skill, d), 0.0) for d in days), default=0.0)
        volume = sum(tasks[x].volume_l for x in visits[v])
        cap = room_l(crews[crew_id], first.stream)
        tip = tip_trip.get(first.location, 0.0) * volume / cap if volume and cap > 0 else 0.0
        return int(sum(tasks[x].duration_s for x in visits[v]) + travel_factor * travel + tip)

    model = cp_model.CpModel()
    x: dict[tuple[int, str, int], cp_model.IntVar] = {}
    by_cd: dict[tuple[str, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for v, members in enumerate(visits):
        options = allowed[members[0]]
        if members[0] in pinned:
            options = [pinned[members[0]]] if pinned[members[0]] in options else []
        for cd in options:
            var = model.new_bool_var(f"x{v}_{cd[0]}_{cd[1]}")
            x[(v, *cd)] = var
            by_cd[cd].append((v, var))
    placed = [[] for _ in visits]
    day_terms: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in visits]
    for (v, _c, d), var in x.items():
        placed[v].append(var)
        day_terms[v].append((d, var))
    assigned = []
    for v in range(len(visits)):
        a = model.new_bool_var(f"a{v}")
        model.add(sum(placed[v]) == a)
        assigned.append(a)

    # crew-days: used when any visit goes there, its working time at most `fill` of the shift less breaks
    used: dict[tuple[str, int], cp_model.IntVar] = {}
    sizes: dict[tuple[int, str, int], int] = {}
    capacities: dict[tuple[str, int], int] = {}
    overheads: dict[tuple[str, int], int] = {}
    coef: dict[tuple[int, str, int], float] = {}
    hourly: list = []
    depot_share: dict[str, float] = {}
    n_visits = max(1, len(visits))
    team = {place: c for place, c in problem.previous_crew_of_place.items() if c in crews}
    for (crew_id, d), items in by_cd.items():
        c = crews[crew_id]
        u = model.new_bool_var(f"u_{crew_id}_{d}")
        used[(crew_id, d)] = u
        locs = np.array([tasks[visits[v][0]].location for v, _ in items], dtype=np.int64)
        legs = dur[c.depot_location, locs] + dur[locs, c.depot_location]
        overhead = int(np.median(legs))
        capacity = int(fill * (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks)))
        load = []
        rate = c.cost_per_hour / 3600.0
        share = depot_share.setdefault(crew_id, 1.0 / max(1.0, n_visits / max(1, len(by_cd))))
        capacities[(crew_id, d)] = capacity
        overheads[(crew_id, d)] = overhead
        for v, var in items:
            size = work_s(crew_id, v)
            sizes[(v, crew_id, d)] = size
            load.append(size * var)
            model.add_implication(var, u)
            loc = tasks[visits[v][0]].location
            to_depot = float(dur[c.depot_location, loc] + dur[loc, c.depot_location])
            cost = rate * (size + share * to_depot)
            cost += stability_weight * sum(1 for t in visits[v] if team.get(tasks[t].place, crew_id) != crew_id)
            coef[(v, crew_id, d)] = cost
            hourly.append(round(SCALE * cost) * var)
        model.add(sum(load) + overhead * u <= capacity * u)
        hourly.append(round(SCALE * (c.day_cost + rate * overhead)) * u)

    # links where simple: days only
    def day_of(v: int):
        return sum(d * var for d, var in day_terms[v])

    def on_day(v: int, d: int):
        return sum(var for dd, var in day_terms[v] if dd == d)

    for rule, lo, hi in ([(b, 0, 0) for b in problem.before] + [(w, 0, w.max_days) for w in problem.within]):
        f, s = visit_of.get(rule.first), visit_of.get(rule.second)
        if f is None or s is None or f == s:
            continue
        model.add(day_of(s) - day_of(f) >= lo).only_enforce_if([assigned[f], assigned[s]])
        model.add(day_of(s) - day_of(f) <= hi).only_enforce_if([assigned[f], assigned[s]])
    for ap in problem.apart:
        f, s = visit_of.get(ap.first), visit_of.get(ap.second)
        if f is None or s is None or f == s:
            continue
        for d in range(problem.days):
            model.add(on_day(f, d) + on_day(s, d) <= 1)
    after_any: list[tuple[list[int], cp_model.IntVar]] = []
    for af in problem.after:
        s = visit_of.get(af.second)
        firsts = [visit_of[f] for f in af.firsts if f in visit_of and visit_of[f] != s]
        if s is None or not firsts:
            continue
        any_first = model.new_bool_var(f"any_first_{s}")
        after_any.append((firsts, any_first))
        model.add_max_equality(any_first, [assigned[f] for f in firsts])
        for d in range(problem.days):
            before = [var for f in firsts for dd, var in day_terms[f] if 1 <= d - dd <= af.max_days]
            model.add(sum(before) >= on_day(s, d) + any_first - 1)

    # together: each crew-day a place's tasks use costs `together_weight`
    together_used: list[tuple[set[int], tuple[str, int], cp_model.IntVar]] = []
    for g, group in enumerate(problem.together):
        members = {visit_of[t] for t in group.tasks if t in visit_of}
        if len(members) < 2:
            continue
        cds: dict[tuple[str, int], list] = defaultdict(list)
        for (v, c, d), var in x.items():
            if v in members:
                cds[(c, d)].append(var)
        for cd, vars_ in cds.items():
            z = model.new_bool_var(f"g{g}_{cd[0]}_{cd[1]}")
            model.add_max_equality(z, vars_)
            together_used.append((members, cd, z))
            hourly.append(round(SCALE * together_weight) * z)

    # a complete first solution to start from (links left to CP-SAT: their visits start unplaced)
    roped = {v for v, members in enumerate(visits) if members[0] in linked and members[0] not in pinned}
    chosen = _first_fit(x, sizes, capacities, overheads, roped, coef,
                        place_of=lambda v: tasks[visits[v][0]].place)
    for (v, c, d), var in x.items():
        model.add_hint(var, chosen.get(v) == (c, d))
    for v, a in enumerate(assigned):
        model.add_hint(a, v in chosen)
    for cd, u in used.items():
        model.add_hint(u, cd in chosen.values())
    for members, cd, z in together_used:
        model.add_hint(z, any(chosen.get(v) == cd for v in members))
    for firsts, any_first in after_any:
        model.add_hint(any_first, any(v in chosen for v in firsts))
    penalties = [sum(tasks[t].penalty for t in members) for members in visits]
    model.minimize(sum(hourly) + sum(int(SCALE * p) * (1 - a) for p, a in zip(penalties, assigned)))
    solver = cp_model.CpSolver()
    # deterministic: the same week, seed and limit give the same crew-days on any machine (interleaved
    # workers, a limit in CP-SAT's deterministic time); the wall-clock limit only guards a slow machine
    solver.parameters.max_deterministic_time = max(0.1, time_limit_s * DETERMINISTIC_PER_SECOND)
    solver.parameters.max_time_in_seconds = wall_limit_s if wall_limit_s is not None else max(0.5, time_limit_s) + 1
    solver.parameters.interleave_search = True
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    status = _solve(solver, model, stop)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Assignment({}, tuple(t.id for t in problem.tasks), 0, "none", tuple(skipped))
    crew_day: dict[str, tuple[str, int]] = {}
    for (v, c, d), var in x.items():
        if solver.boolean_value(var):
            for t in visits[v]:
                crew_day[t] = (c, d)
    return Assignment(
        crew_day=crew_day, left_out=tuple(t.id for t in problem.tasks if t.id not in crew_day),
        crew_days=sum(1 for u in used.values() if solver.boolean_value(u)),
        status="optimal" if status == cp_model.OPTIMAL else "feasible", skipped=tuple(skipped))


def _runs(members: list[str], tasks: dict, dur: np.ndarray) -> list[tuple[list[str], float]]:
    """The tasks chained nearest-first from the first, cut into runs of at most VISIT_MAX_S of work and
    travel; each run with its travel along the chain (seconds)."""
    todo = list(members)
    runs: list[tuple[list[str], float]] = []
    run: list[str] = [todo.pop(0)]
    spent = float(tasks[run[0]].duration_s)
    travel = 0.0
    while todo:
        here = tasks[run[-1]].location
        locs = np.array([tasks[x].location for x in todo], dtype=np.int64)
        legs = dur[here, locs]
        i = int(np.argmin(legs))
        nxt = todo.pop(i)
        leg = float(legs[i])
        if spent + leg + tasks[nxt].duration_s > VISIT_MAX_S:
            runs.append((run, travel))
            run, spent, travel = [nxt], float(tasks[nxt].duration_s), 0.0
            continue
        run.append(nxt)
        spent += leg + tasks[nxt].duration_s
        travel += leg
    runs.append((run, travel))
    return runs


def _first_fit(x: dict, sizes: dict, capacities: dict, overheads: dict, skip: set[int], coef: dict,
               place_of) -> dict[int, tuple[str, int]]:
    """A first solution for CP-SAT to start from: the visits with fewest crew-days first, each into a crew-day
    already used that has room (one of its place's first, then the cheapest), else into a new one. Without it, CP-SAT's first
    solutions on the demo's needs week (two workers, 8 s) used 59 crew-days and left 19 tasks out."""
    options: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for (v, c, d) in x:
        if v not in skip:
            options[v].append((c, d))
    load: dict[tuple[str, int], int] = {}
    places: dict[tuple[str, int], set] = defaultdict(set)
    chosen: dict[int, tuple[str, int]] = {}
    order = sorted(options, key=lambda v: (len(options[v]), -max(sizes[(v, *cd)] for cd in options[v])))
    for v in order:
        best = None
        for cd in options[v]:
            size = sizes[(v, *cd)]
            now = load.get(cd)
            start = overheads[cd] if now is None else now
            if start + size > capacities[cd]:
                continue
            key = (now is None, round(coef[(v, *cd)], -1), place_of(v) not in places[cd], -(start + size))
            if best is None or key < best[0]:
                best = (key, cd)
        if best is None:
            continue
        cd = best[1]
        chosen[v] = cd
        load[cd] = load.get(cd, overheads[cd]) + sizes[(v, *cd)]
        places[cd].add(place_of(v))
    return chosen


def _solve(solver, model, stop: Callable[[], bool] | None) -> int:
    """Solve, asking `stop` every 0.2 s (a cancel): CP-SAT itself only calls back on new solutions."""
    if stop is None:
        return solver.solve(model)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if stop():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.solve(model)
    finally:
        done.set()
        watcher.join()
