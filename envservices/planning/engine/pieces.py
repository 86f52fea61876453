"""A county's week in pieces: depot by depot, then day by day, then area by area where a piece is still
large; each piece planned on a dense matrix of its own locations only, the pieces in parallel processes
where there are cores, and their plans put side by side as the week.

Why: the whole district's matrix is the square of its stops. The demo at scale 16 (42,020 tasks, some 16,000
locations) peaked at 17.1 GB building it; in pieces it peaks at 1.7 GB, is built and planned in 8.7 minutes
and has a first whole plan after 26 s (`bench district --scale 16 --time-limit 450`, bench/RESULTS.md).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue as queue_module
import resource
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from envservices.planning.callbacks import Progress
from envservices.planning.engine.compartments import holds
from envservices.planning.engine.result import result_of
from envservices.planning.engine.search import construct, improve_routing
from envservices.planning.params import SOLVER_NAME, SolveParams
from envservices.planning.problem import (
    PlanningProblem,
    PlanResult,
    ProblemCrew,
    Together,
    TravelMatrix,
    is_lazy,
)
from envservices.planning.result import PlanKpis
from envservices.planning.stop import StoppingCriterion


def localise(part: PlanningProblem) -> tuple[PlanningProblem, np.ndarray]:
    """The part on a dense int32 matrix of its own locations (its tasks, its crews' depots, the tips), and
    those locations' indices in the whole problem."""
    locations = np.array(sorted(_locations(part)), dtype=np.int64)
    local = {int(x): i for i, x in enumerate(locations)}
    if is_lazy(part.travel):
        travel = part.travel.dense_for(locations)
    else:
        grid = np.ix_(locations, locations)
        travel = TravelMatrix(part.travel.duration_s[grid], part.travel.distance_m[grid], part.travel.source)
    return replace(
        part,
        tasks=tuple(replace(t, location=local[t.location]) for t in part.tasks),
        crews=tuple(replace(c, depot_location=local[c.depot_location]) for c in part.crews),
        tips=tuple(replace(tp, location=local[tp.location]) for tp in part.tips),
        travel=travel,
    ), locations


@dataclass
class PiecePlan:
    """One piece's finished plan, on the whole problem's locations, with what joining the week needs."""

    result: PlanResult
    status: str
    built: bool  # every task of the piece was tried
    peak_mb: float = 0.0  # the planning process's peak so far
    process: int = 0


def build_piece(part: PlanningProblem, deadline: float, stop: StoppingCriterion | None, report: Progress,
                seed: int, params: SolveParams, t0: float):
    """Localise one depot's part and build its first plan: (search, locations, status, tasks tried)."""
    local, where = localise(part)
    if params.master == "auto":  # a county's first whole plan must come quickly: the engine builds pieces
        params = replace(params, master="engine")
    sub, complete, user_stopped, attempted = construct(local, deadline - time.perf_counter(), stop, report,
                                                       seed, t0, params)
    status = "cancelled" if user_stopped else "feasible" if complete else "time limit"
    return sub, where, status, attempted


def finish_piece(built, improve_s: float, stop: StoppingCriterion | None, report: Progress, seed: int,
                 t0: float) -> PiecePlan:
    """Improve a built part for `improve_s` and put its plan back on the whole problem's locations."""
    sub, where, status, attempted = built
    solver = SOLVER_NAME
    if status == "feasible":
        status, solver = improve_routing(sub, improve_s, stop, report, t0, seed)
        status = "cancelled" if status == "cancelled" else "feasible"
    r = result_of(sub, status, None if status == "feasible" else attempted, solver)
    routes = tuple(replace(route, stops=tuple(replace(st, location=int(where[st.location]))
                                              for st in route.stops)) for route in r.routes)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return PiecePlan(replace(r, routes=routes), status, status != "time limit", peak, os.getpid())


def _processes(params: SolveParams, parts: int) -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(parts, params.processes or cores))


def split_by_day(part: PlanningProblem, most: int) -> list[PlanningProblem]:
    """A depot's part of more than `most` tasks as one piece per day: each task (with its linked and
    together tasks) on one day of its due window, the least loaded, the narrowest windows first.

    Why: construction is quadratic in a piece's tasks (each insertion ranks positions in every route): by
    depot only, the first whole plan took 20 s at scale 4; by day, 3 s. A rota week's tasks are nearly all
    due on one day (2,852 of 2,886 on the demo). The week's 'after' and 'apart' rules are kept by the choice of
    days (`_DayLinks`). Kept whole when pins or locks tie work to crew-days, or when linked tasks share no day,
    or the rules leave some work no day."""
    if len(part.tasks) <= most or part.pins or part.locks:
        return [part]
    index = {t.id: i for i, t in enumerate(part.tasks)}
    parent = list(range(len(part.tasks)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    span = [(t.earliest_day, t.latest_day) for t in part.tasks]

    def join(a: int, b: int, hard: bool) -> None:
        ra, rb = find(a), find(b)
        lo, hi = max(span[ra][0], span[rb][0]), min(span[ra][1], span[rb][1])
        if ra != rb and (hard or lo <= hi):  # a together group (soft) is kept on one day only where it can
            parent[ra] = rb
            span[rb] = (lo, hi)

    for a, b in [(x.first, x.second) for x in part.before] + [(x.first, x.second) for x in part.within]:
        if a in index and b in index:
            join(index[a], index[b], True)
    for g in part.together:
        for x in g.tasks[1:]:
            if g.tasks[0] in index and x in index:
                join(index[g.tasks[0]], index[x], False)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(part.tasks)):
        groups[find(i)].append(i)
    load = [0] * part.days
    day_of: dict[int, int] = {}
    spans = []
    for members in groups.values():
        lo = max(0, *(part.tasks[i].earliest_day for i in members))
        hi = min(part.days - 1, *(part.tasks[i].latest_day for i in members))
        if lo > hi:
            return [part]
        spans.append((hi - lo, -sum(part.tasks[i].duration_s for i in members), lo, hi, members))
    links = _DayLinks(part, index, find, {find(m[0]): (lo, hi) for _, _, lo, hi, m in spans})
    for _, neg_work, lo, hi, members in sorted(spans, key=lambda x: x[:2]):
        allowed = [d for d in range(lo, hi + 1) if links.allows(find(members[0]), d)]
        if not allowed:
            return [part]  # the week's after/apart rules leave this work no day: planned whole, where they hold
        d = min(allowed, key=load.__getitem__)
        load[d] -= neg_work
        links.place(find(members[0]), d)
        for i in members:
            day_of[i] = d
    pieces = []
    for d in range(part.days):
        ids = {part.tasks[i].id for i in range(len(part.tasks)) if day_of[i] == d}
        if not ids:
            continue
        pieces.append(replace(
            part,
            tasks=tuple(replace(t, earliest_day=d, latest_day=d) for t in part.tasks if t.id in ids),
            before=tuple(b for b in part.before if b.first in ids),
            within=tuple(w for w in part.within if w.first in ids),
            together=tuple(Together(kept) for g in part.together
                           if len(kept := tuple(x for x in g.tasks if x in ids)) > 1),
            closed=tuple(c for c in part.closed if c.task in ids and c.day == d),
            **_own_links(part, ids),
        ))
    return pieces


def _own_links(part: PlanningProblem, ids: set[str]) -> dict:
    """The part's after and apart rules among these tasks only."""
    after = []
    for a in part.after:
        firsts = tuple(f for f in a.firsts if f in ids)
        if a.second in ids and firsts:
            after.append(replace(a, firsts=firsts))
    return {"after": tuple(after), "apart": tuple(x for x in part.apart if x.first in ids and x.second in ids)}


class _DayLinks:
    """The week's 'after' and 'apart' rules while `split_by_day` gives each group of work its day: a day is
    allowed when every rule it touches still holds, or can still hold for the groups not yet given a day.

    Why: each day's piece is planned on its own and sees no rule that joins two days; the rules were dropped,
    so a street's cleanse could land on its collection day (apart) or before it (after)."""

    def __init__(self, part: PlanningProblem, index: dict[str, int], find, spans: dict[int, tuple[int, int]]):
        self.spans, self.day = spans, {}
        group = {t: find(i) for t, i in index.items()}
        self.after = [(tuple(group[f] for f in a.firsts if f in group), group[a.second], a.max_days)
                      for a in part.after if a.second in group and any(f in group for f in a.firsts)]
        self.apart = [(group[a.first], group[a.second]) for a in part.apart if a.first in group and a.second in group]
        self.touching: dict[int, list] = defaultdict(list)
        for rule in self.after:
            for g in {*rule[0], rule[1]}:
                self.touching[g].append(("after", rule))
        for rule in self.apart:
            for g in set(rule):
                self.touching[g].append(("apart", rule))

    def place(self, g: int, d: int) -> None:
        self.day[g] = d

    def allows(self, g: int, d: int) -> bool:
        """Day d for group g keeps every rule it touches with the groups already given days, and leaves each
        linked group without a day still some day of its window (one step of forward checking: a cleanse
        that must follow its collection keeps the one day it has)."""
        if not self._direct(g, d):
            return False
        self.day[g] = d
        try:
            waiting = {u for _, rule in self.touching.get(g, ()) for u in _groups_of(rule) if u not in self.day}
            return all(any(self._direct(u, e) for e in range(self.spans[u][0], self.spans[u][1] + 1))
                       for u in waiting)
        finally:
            del self.day[g]

    def _direct(self, g: int, d: int) -> bool:
        """g on day d against the groups with days; a rule with a group still to place may yet hold."""
        day = self.day
        for kind, rule in self.touching.get(g, ()):
            if kind == "apart":
                a, b = rule
                other = b if a == g else a
                if a == b or day.get(other) == d:
                    return False
                continue
            firsts, second, most = rule
            others = [f for f in firsts if f != g]
            if any(f not in day for f in others if f != second):
                continue  # a first still to place may satisfy it
            if g == second:
                if not any(0 < d - day[f] <= most for f in others if f in day):
                    return False
            elif second in day and not (0 < day[second] - d <= most
                                        or any(0 < day[second] - day[f] <= most for f in others if f in day)):
                return False
        return True


def _groups_of(rule) -> tuple[int, ...]:
    return tuple(rule) if len(rule) == 2 else (*rule[0], rule[1])


def _units(part: PlanningProblem) -> list[list[int]]:
    """Tasks that must stay in one piece: linked (before, within, after, apart) and a place's together group
    (an area's piece sees only its own tasks' rules)."""
    index = {t.id: i for i, t in enumerate(part.tasks)}
    parent = list(range(len(part.tasks)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = [(x.first, x.second) for x in part.before] + [(x.first, x.second) for x in part.within]
    pairs += [(g.tasks[0], x) for g in part.together for x in g.tasks[1:]]
    pairs += [(f, x.second) for x in part.after for f in x.firsts] + [(x.first, x.second) for x in part.apart]
    for a, b in pairs:
        if a in index and b in index:
            parent[find(index[a])] = find(index[b])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(part.tasks)):
        groups[find(i)].append(i)
    return list(groups.values())


def _bisect(units: list[tuple[float, float, int, list[int]]], k: int) -> list[list[int]]:
    """Recursive coordinate bisection: k groups of about equal task counts, each compact on the map."""
    if k <= 1 or len(units) <= 1:
        return [[i for u in units for i in u[3]]]
    xs, ys = [u[0] for u in units], [u[1] for u in units]
    axis = 0 if max(xs) - min(xs) >= max(ys) - min(ys) else 1
    units = sorted(units, key=lambda u: u[axis])
    left_k = k // 2
    want = sum(u[2] for u in units) * left_k / k
    count, cut = 0, 0
    while cut < len(units) - 1 and count + units[cut][2] <= want:
        count += units[cut][2]
        cut += 1
    cut = max(cut, 1)
    return _bisect(units[:cut], left_k) + _bisect(units[cut:], k - left_k)


def _can(c: ProblemCrew, t) -> bool:
    return t.skill in c.skills and (not t.equipment or t.equipment in c.equipment) and holds(c, t)


def split_by_area(part: PlanningProblem, most: int) -> list[PlanningProblem]:
    """A piece of more than `most` tasks as areas of about `most` tasks each, compact on the map, its crews
    shared among them by the work each area has for their skills on their days (each crew in one area).

    Used on a day's piece: the demo's busiest depot at scale 8 took 5-6 s to build each 4,000-task day, and
    construction is quadratic; an area of 3,000 tasks is the size of the demo at scale 1. Areas for a whole
    week (crews in one area all week) left 215-274 bins out at scale 4: bins are emptied on set days. Kept
    whole when pins or locks tie work to crews, when the travel has no map positions, or when the crews
    cannot cover every kind of work in two areas."""
    xy = part.travel.points if is_lazy(part.travel) else None
    k = math.ceil(len(part.tasks) / max(1, most))
    if k <= 1 or xy is None or part.pins or part.locks:
        return [part]
    units = []
    for members in _units(part):
        where = xy[[part.tasks[i].location for i in members]]
        units.append((float(where[:, 0].mean()), float(where[:, 1].mean()), len(members), members))
    doable = [any(_can(c, t) for c in part.crews) for t in part.tasks]
    # fewer, larger areas where the crews cannot cover every kind of work in each
    for areas_k in range(min(k, len(part.crews) // 2), 1, -1):
        split = _areas(part, units, areas_k, doable)
        if split is not None:
            return split
    return [part]


def _areas(part: PlanningProblem, units: list, k: int, doable: list[bool]) -> list[PlanningProblem] | None:
    """k areas with their crews, or None when some area would have work no crew of it can do."""
    areas = _bisect(units, k)
    # crews: specialists first, each to the area with the most work left that it can do on its days (bins
    # are emptied on set days: an area given crews by its week's hours alone left 274 of them out, scale 4)
    need = [defaultdict(float) for _ in areas]
    for g, members in enumerate(areas):
        for i in members:
            t = part.tasks[i]
            days = range(max(0, t.earliest_day), min(part.days - 1, t.latest_day) + 1) or range(part.days)
            for d in days:
                need[g][(t.skill, t.equipment, d)] += t.duration_s / len(days)
    work = [sum(v.values()) for v in need]
    busy = {key[2] for v in need for key in v}
    active = [c for c in part.crews if any(d not in c.days_off and (c.id, d) not in part.absent for d in busy)]
    slots = [max(1, round(len(active) * w / max(1.0, sum(work)))) for w in work]
    crews_of: list[list[ProblemCrew]] = [[] for _ in areas]
    for n, c in enumerate(c for c in part.crews if c not in active):  # off on the piece's days
        crews_of[n % len(areas)].append(c)

    def mine(c: ProblemCrew, g: int) -> dict:
        return {key: v for key, v in need[g].items() if key[0] in c.skills
                and (not key[1] or key[1] in c.equipment) and key[2] not in c.days_off
                and (c.id, key[2]) not in part.absent}

    for c in sorted(active, key=lambda c: (len(c.skills), len(c.equipment))):
        free = [g for g in range(len(areas)) if sum(x in active for x in crews_of[g]) < slots[g]] \
            or list(range(len(areas)))
        g = max(free, key=lambda g: (sum(mine(c, g).values()), -len(crews_of[g])))
        crews_of[g].append(c)
        day_s = 0.6 * (c.shift_end_s - c.shift_start_s)
        share = mine(c, g)
        for d in range(part.days):
            keys = [key for key in share if key[2] == d]
            left = sum(share[key] for key in keys)
            for key in keys:
                need[g][key] = max(0.0, need[g][key] - day_s * share[key] / left) if left else need[g][key]
    # an area whose tasks of some kind no crew of it can do borrows one from an area that keeps its own cover
    for g, members in enumerate(areas):
        for i in members:
            t = part.tasks[i]
            if any(_can(c, t) for c in crews_of[g]):
                continue
            for h in sorted(range(len(areas)), key=lambda h: -len(crews_of[h])):
                donor = next((c for c in crews_of[h] if _can(c, t) and len(crews_of[h]) > 1 and all(
                    any(_can(o, part.tasks[j]) for o in crews_of[h] if o is not c) for j in areas[h])), None)
                if donor is not None:
                    crews_of[h].remove(donor)
                    crews_of[g].append(donor)
                    break
    for g, members in enumerate(areas):
        if any(doable[i] and not any(_can(c, part.tasks[i]) for c in crews_of[g]) for i in members):
            return None
    pieces = []
    for members, crews in zip(areas, crews_of, strict=True):
        ids = {part.tasks[i].id for i in members}
        crew_ids = {c.id for c in crews}
        pieces.append(replace(
            part,
            tasks=tuple(t for t in part.tasks if t.id in ids),
            crews=tuple(crews),
            before=tuple(b for b in part.before if b.first in ids),
            within=tuple(w for w in part.within if w.first in ids),
            together=tuple(g for g in part.together if g.tasks and g.tasks[0] in ids),
            closed=tuple(c for c in part.closed if c.task in ids),
            absent=frozenset(a for a in part.absent if a[0] in crew_ids),
            **_own_links(part, ids),
        ))
    return [p for p in pieces if p.tasks]


def solve_pieces(problem: PlanningProblem, parts: list[PlanningProblem], deadline: float,
                 stop: StoppingCriterion | None, report: Progress, seed: int, params: SolveParams,
                 t0: float) -> PlanResult:
    """Plan each depot's part (by day where it is large) on its own locations, in parallel processes where
    cores allow, and join them as the week."""
    pieces = [area for part in parts for day in split_by_day(part, params.piece_above)
              for area in split_by_area(day, params.piece_above)]
    workers = _processes(params, len(pieces))
    batches: list[list[tuple[int, PlanningProblem]]] = [[] for _ in range(workers)]
    for n in sorted(range(len(pieces)), key=lambda n: -len(pieces[n].tasks)):
        min(batches, key=lambda b: sum(len(p.tasks) for _, p in b)).append((n, pieces[n]))
    if workers > 1:
        plans = _in_processes(batches, len(pieces), deadline, stop, report, seed, params, t0)
    else:
        built: dict[int, float] = {}

        def on_built(n: int, objective: float) -> None:
            built[n] = objective
            if len(built) == len(pieces):
                report(sum(built.values()), time.perf_counter() - t0, "first plan built")

        plans = run_batch(batches[0], deadline, stop, on_built, report, seed, params, t0)
    result = join_pieces(problem, plans, len(parts), len(pieces), workers)
    report(result.cost, time.perf_counter() - t0, f"done: {result.status}")
    return result


def run_batch(batch: list[tuple[int, PlanningProblem]], deadline: float, stop: StoppingCriterion | None,
              on_built, report: Progress, seed: int, params: SolveParams, t0: float) -> list[PiecePlan]:
    """Build every piece of the batch first (a whole first plan soon), then improve each in turn, with a
    share of the time left by its size."""
    built = []
    for n, piece in batch:
        # quiet: a piece's construction is not yet a plan of the week (the whole week is, once all are built)
        built.append(build_piece(piece, deadline, stop, _quiet, seed + n, params, t0))
        on_built(n, built[-1][0].objective())
        if built[-1][2] != "feasible":
            break
    plans = []
    total = sum(len(p.tasks) for _, p in batch)
    for (n, piece), b in zip(batch, built, strict=False):
        share = (deadline - time.perf_counter()) * 0.95 * len(piece.tasks) / max(1, total)
        total -= len(piece.tasks)
        plans.append(finish_piece(b, share, stop, _relay(report, t0, n), seed + n, t0))
        if plans[-1].status == "cancelled":
            stop = _always
    return plans


def _locations(part: PlanningProblem) -> set[int]:
    return ({t.location for t in part.tasks} | {c.depot_location for c in part.crews}
            | {tp.location for tp in part.tips})


def _in_processes(batches: list[list[tuple[int, PlanningProblem]]], n_pieces: int, deadline: float,
                  stop: StoppingCriterion | None, report: Progress, seed: int, params: SolveParams,
                  t0: float) -> list[PiecePlan]:
    """Each batch of pieces in a forked process (the problem and the travel function are inherited, not
    copied); the parent relays progress, passes a cancel on, and reports the first whole-week plan when every
    piece has been built. perf_counter is the system's monotonic clock on Linux, so the deadline holds."""
    ctx = multiprocessing.get_context("fork")
    messages = ctx.Queue()
    cancel = ctx.Event()

    def child(w: int, batch: list[tuple[int, PlanningProblem]]) -> None:
        try:
            def built(n: int, objective: float) -> None:
                messages.put(("built", n, objective))

            plans = run_batch(batch, deadline, lambda best: cancel.is_set(), built, _quiet, seed, params, t0)
            messages.put(("done", w, plans))
        except BaseException:  # noqa: BLE001 - the parent turns it into an error of its own
            messages.put(("error", w, traceback.format_exc()))

    running = {}
    for w, batch in enumerate(batches):
        proc = ctx.Process(target=child, args=(w, batch), daemon=True)
        proc.start()
        running[w] = proc
    plans: list[PiecePlan] = []
    finished: set[int] = set()
    objectives: dict[int, float] = {}
    while running:
        try:
            message = messages.get(timeout=0.25)
        except queue_module.Empty:
            if stop is not None and not cancel.is_set() and stop(math.inf):
                cancel.set()
            for w, proc in list(running.items()):
                if not proc.is_alive() and w not in finished:
                    time.sleep(1.0)  # its last message may still be in the pipe
                    if messages.empty():
                        _stop_all(running)
                        raise RuntimeError(f"a planning process stopped unexpectedly (exit code {proc.exitcode})")
            continue
        kind, n = message[0], message[1]
        if kind == "error":
            _stop_all(running)
            raise RuntimeError(f"a planning process failed:\n{message[2]}")
        if kind == "built":
            objectives[n] = message[2]
            if len(objectives) == n_pieces:
                report(sum(objectives.values()), time.perf_counter() - t0, "first plan built")
            continue
        plans.extend(message[2])
        finished.add(n)
        running.pop(n).join()
        report(sum(p.result.cost for p in plans), time.perf_counter() - t0,
               f"{len(finished)} of {len(batches)} planning processes done")
    return plans


def _relay(report: Progress, t0: float, n: int) -> Progress:
    def relay(best: float, elapsed: float, message: str) -> None:
        report(best, time.perf_counter() - t0, f"piece {n + 1}: {message}")

    return relay


def _quiet(best: float, elapsed: float, message: str) -> None:
    """Progress inside a child process: the parent reports built and done parts."""


def _always(best: float) -> bool:
    return True


def _stop_all(running: dict) -> None:
    for proc in running.values():
        if proc.is_alive():
            proc.terminate()
        proc.join(5)


def join_pieces(problem: PlanningProblem, plans: list[PiecePlan], n_parts: int, n_pieces: int,
                workers: int) -> PlanResult:
    """The pieces' plans side by side as one week; its figures are their sums, the crews released and the
    spread of weekly hours counted again over the whole week.

    Without a whole matrix the week is not repaired as one: work one depot's crews could not take is not
    offered to another depot's crews, nor a day's work to another day."""
    routes = [route for p in plans for route in p.result.routes]
    unplanned = [u for p in plans for u in p.result.unplanned]
    seen = {st.task for route in routes for st in route.stops if st.task} | {u for u, _ in unplanned}
    unplanned.extend((t.id, "planning was stopped before this task could be placed")
                     for t in problem.tasks if t.id not in seen)
    statuses = {p.status for p in plans}
    status = ("cancelled" if "cancelled" in statuses
              else "time limit" if "time limit" in statuses or len(plans) < n_pieces else "feasible")
    totals: dict[str, float] = defaultdict(float)
    for p in plans:
        for k in ("crew_hours", "travel_km", "overtime_h", "visits", "unplanned_urgent", "forecast_failures",
                  "cost", "together_split"):
            totals[k] += p.result.kpis.get(k, 0)
    locked = {(lk.crew, lk.day) for lk in problem.locks}
    used = {(r.crew, r.day) for r in routes if any(st.kind == "task" for st in r.stops)} | locked
    able = {(c.id, d) for c in problem.crews for d in range(problem.days)
            if d not in c.days_off and (c.id, d) not in problem.absent}
    by_day = tuple(sum(1 for c, d in able - used if d == day) for day in range(problem.days))
    working = {c for c, _ in used}
    released = sorted({c for c, _ in able} - working)
    hours: dict[str, float] = defaultdict(float)
    for r in routes:
        hours[r.crew] += (r.return_s - r.depart_s) / 3600
    working_only = any(c.day_cost > 0 for c in problem.crews)
    spread = [hours.get(c.id, 0.0) for c in problem.crews if not working_only or hours.get(c.id, 0.0) > 1e-9]
    solver = plans[0].result.solver if plans else SOLVER_NAME
    name = (solver.split(" (")[0] + f"; planned in {n_pieces} pieces ({n_parts} depots, by day where large), "
            + "travel per piece" + (f", {workers} processes" if workers > 1 else ""))
    peaks: dict[int, float] = {}
    for p in plans:
        if p.process != os.getpid():
            peaks[p.process] = max(peaks.get(p.process, 0.0), p.peak_mb)
    kpis = PlanKpis(
        crew_hours=round(totals["crew_hours"], 3), travel_km=round(totals["travel_km"], 3),
        overtime_h=round(totals["overtime_h"], 3), visits=int(totals["visits"]), unplanned=len(unplanned),
        unplanned_urgent=int(totals["unplanned_urgent"]), forecast_failures=int(totals["forecast_failures"]),
        cost=round(totals["cost"], 2), together_split=int(totals["together_split"]),
        crew_hours_spread=round(max(spread) - min(spread), 3) if spread else 0.0, solver=name,
        crew_days=len(used), crews_released_by_day=by_day, crew_days_released=sum(by_day),
        crews_released_week=len(released), crews_released=tuple(released),
        extra={"processes": workers, "process_peak_mb": [round(v) for v in peaks.values()]},
    ).as_dict()
    explained = [e for p in plans for e in p.result.explanations]
    return PlanResult(routes=tuple(routes), unplanned=tuple(unplanned),
                      cost=round(sum(p.result.cost for p in plans), 3), kpis=kpis, solver=name,
                      travel_source=problem.travel.source, status=status,
                      explanations=tuple(dict.fromkeys(explained)))
