"""One search on one problem: construction (locks, pins, insertion, urgent work by any means), then
improvement by the engine's moves and the days' routes by PyVRP, within the time and stopping criterion.
"""

from __future__ import annotations

import math
import time

from envservices.planning.callbacks import Progress
from envservices.planning.engine.eligibility import eligibility
from envservices.planning.engine.pinned import place_pins
from envservices.planning.engine.pyvrp_days import pyvrp_days, pyvrp_version
from envservices.planning.engine.state import Search
from envservices.planning.params import SOLVER_NAME, SolveParams
from envservices.planning.problem import PlanningProblem, is_lazy
from envservices.planning.stop import AnyOf, StoppingCriterion, TimeLimit, cancels_in


class Phase:
    """One phase's stopping rule: its own time limit plus the caller's criterion (e.g. a cancel)."""

    def __init__(self, time_limit_s: float, stop: StoppingCriterion | None) -> None:
        self.time_limit = TimeLimit(max(0.0, time_limit_s))
        self.time_limit(math.inf)
        self.criterion = AnyOf(self.time_limit, stop) if stop is not None else self.time_limit
        self.stopped = False
        self.user_stopped = False

    def __call__(self, cost: float) -> bool:
        if not self.stopped and self.criterion(cost):
            self.stopped = True
            self.user_stopped = not self.time_limit(cost)
        return self.stopped


def search(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None, report: Progress,
           seed: int, t0: float, params: SolveParams | None = None
           ) -> tuple[Search, str, set[int] | None, str]:
    """The whole search on one problem: locks, pins, construction, urgent pass, improvement, and the days'
    routes by PyVRP where it is installed (see the module docstring for the split of the time)."""
    s, built, user_stopped, attempted = construct(problem, time_limit_s, stop, report, seed, t0, params)
    if user_stopped:
        return s, "cancelled", (None if built else attempted), SOLVER_NAME
    if not built:
        return s, "time limit", attempted, SOLVER_NAME
    status, solver = improve_routing(s, time_limit_s - (time.perf_counter() - t0), stop, report, t0, seed)
    return s, status, None, solver


def improve_routing(s: Search, time_s: float, stop: StoppingCriterion | None, report: Progress, t0: float,
                     seed: int) -> tuple[str, str]:
    """Improve a built plan: the engine's moves, and PyVRP for each day's routes where it is installed.
    Returns the status and the solver's description."""
    problem = s.p
    start = time.perf_counter()
    if not pyvrp_version() or not any(s.eligible[t] for t in range(s.n)):
        return improve(s, time_s, stop, report, t0), SOLVER_NAME
    one_day = problem.days == 1 and not (problem.before or problem.within or problem.after or problem.apart)
    if not one_day:
        status = improve(s, time_s * s.params.week_improve_share, stop, report, t0)
        if status == "cancelled":
            return status, SOLVER_NAME
    left = time_s - (time.perf_counter() - start)
    q = s.params
    share = q.one_day_pyvrp_share if one_day else q.week_pyvrp_share / (1.0 - q.week_improve_share)
    kept, tried, cancelled = pyvrp_days(s, left * share, stop, report, t0, seed, one_day)
    solver = (f"envservices: routes by PyVRP {pyvrp_version()} iterated local search, polished by the "
              "engine's local search" if one_day else
              f"envservices: days by insertion + local search; routes by PyVRP {pyvrp_version()} iterated "
              f"local search where the exact simulator accepts them ({kept} of {tried} days)")
    if cancelled:
        urgent_last_word(s)
        return "cancelled", solver
    return improve(s, time_s - (time.perf_counter() - start), stop, report, t0), solver


def urgent_last_word(s: Search) -> None:
    """Every position of every able crew-day for urgent work left out, ejecting lesser work if need be."""
    for t in range(s.n):
        if s.urgent[t] and s.route_of[t] < 0 and s.eligible[t]:
            if not s.insert(t, exhaustive=True):
                s.eject_for(t)


def hold_pins(s: Search, pins) -> None:
    """Pinned tasks not yet planned may go only to their own crew-day (called after `eligibility`)."""
    for pin in pins:
        t = s.task_index.get(pin.task)
        if t is None or s.route_of[t] >= 0:
            continue
        k = s.cd_index.get((pin.crew, pin.day))
        s.eligible[t] = [k] if k is not None and k in s.eligible[t] else []
        s.reason.setdefault(t, "it is pinned to a crew-day where it does not fit")


def construct(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None,
              report: Progress, seed: int, t0: float, params: SolveParams | None = None
              ) -> tuple[Search, bool, bool, set[int]]:
    """Locks, pins, then every task by cheapest insertion, then urgent work by any means.
    Returns the search, whether it was built to the end, whether the user stopped it, the tasks tried."""
    should_stop = Phase(time_limit_s, stop)
    s = Search(problem, seed, params)

    # locked crew-days first: kept exactly, in their order
    for lk in problem.locks:
        k = s.cd_index.get((lk.crew, lk.day))
        if k is None:
            continue
        seq = [s.task_index[x] for x in lk.tasks if x in s.task_index and s.route_of[s.task_index[x]] < 0]
        sim = s._simulate(k, seq) or s._simulate(k, seq, strict=False)
        s._set_route(k, seq, sim)  # type: ignore[arg-type]
        for x in seq:
            s.fixed[x] = True
    locked_tasks = {t for k, cd in enumerate(s.crewdays) if cd.locked for t in s.routes[k]}
    for t in locked_tasks:
        s.reason.pop(t, None)
    eligibility(s)
    for t in locked_tasks:
        s.reason.pop(t, None)
    # pins: each crew-day's as one ordered block where it fits, the rest one at a time (engine/pinned.py)
    place_pins(s, problem.pins, lambda: should_stop(math.inf))
    report(s.objective(), time.perf_counter() - t0, "pins and locks placed")


    # construction: urgent, routine, optional; tightest window and fewest crew-days first
    todo = [t for t in range(s.n) if s.route_of[t] < 0 and t not in s.reason]
    todo.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.eligible[t]), -s.service_s[t]))
    attempted: set[int] = set()
    if todo and uses_master(s, time_limit_s):
        # CP-SAT's crew-days first: each task it placed by cheapest insertion into the crew-days CP-SAT opened
        # (needs week, 30 s: 26 crew-days this way, 28 held to the task's own crew-day); the rest as usual
        seeded = master_assignment(s, time_limit_s * s.params.master_share, seed, should_stop)
        days_open = set(seeded.values())
        report(s.objective(), time.perf_counter() - t0,
               f"CP-SAT assigned {len(seeded)} tasks to {len(days_open)} crew-days")
        for t in todo:
            k = seeded.get(t)
            if k is None or k not in s.eligible[t] or should_stop(math.inf):
                continue
            attempted.add(t)
            own, s.eligible[t] = s.eligible[t], [j for j in s.eligible[t] if j in days_open]
            s.insert(t)
            s.eligible[t] = own
    for t in todo:
        if should_stop(math.inf):
            break
        if s.route_of[t] >= 0:
            continue
        attempted.add(t)
        s.insert(t)
    if not should_stop.stopped:
        for t in todo:
            if s.urgent[t] and s.route_of[t] < 0:
                if not s.insert(t, exhaustive=True):
                    s.eject_for(t)
            if should_stop(math.inf):
                break
    report(s.objective(), time.perf_counter() - t0,
           "first plan built" if not should_stop.stopped else "stopped while building")
    return s, not should_stop.stopped, should_stop.user_stopped, attempted


def uses_master(s: Search, time_limit_s: float) -> bool:
    """Whether CP-SAT assigns this week first: asked for ("cpsat"), or by default ("auto") a week of several
    days whose crew-days cost something and whose travel is held whole (not a one-day re-plan, a Solomon
    instance or a county's piece, where the engine alone was measured), when its share of the time is at
    least `SolveParams.master_min_s`."""
    master = s.params.master
    if master == "engine" or time_limit_s * s.params.master_share < s.params.master_min_s:
        return False
    if master == "auto":
        return s.p.days > 1 and s.working_only and not is_lazy(s.p.travel)
    return True


def master_assignment(s: Search, time_limit_s: float, seed: int, should_stop: Phase) -> dict[int, int]:
    """Task -> crew-day chosen by CP-SAT (engine/assign_cpsat.py) over the crew-days the engine found each
    task able to go to; tasks already placed (pins) count on their crew-day."""
    from envservices.planning.engine.assign_cpsat import assign_week

    allowed: dict[str, list[tuple[str, int]]] = {}
    for t, task in enumerate(s.p.tasks):
        k = s.route_of[t]
        if k >= 0:
            if not s.crewdays[k].locked:
                allowed[task.id] = [(s.crewdays[k].crew_id, s.crewdays[k].day)]
        elif t not in s.reason:
            allowed[task.id] = [(s.crewdays[j].crew_id, s.crewdays[j].day) for j in s.eligible[t]]
    q = s.params
    cancels = cancels_in(should_stop.criterion)
    found = assign_week(s.p, time_limit_s=time_limit_s, seed=seed, allowed=allowed,
                        stability_weight=q.stability_weight, together_weight=q.together_weight,
                        stop=(lambda: any(c.cancelled for c in cancels)) if cancels else None)
    return {s.task_index[tid]: s.cd_index[cd] for tid, cd in found.crew_day.items()
            if s.route_of[s.task_index[tid]] < 0}


def improve(s: Search, time_limit_s: float, stop: StoppingCriterion | None, report: Progress,
             t0: float) -> str:
    """Improve a built plan until the stopping criterion or until moves stop paying; returns the status."""
    should_stop = Phase(time_limit_s, stop)
    best_cost = s.objective()
    best_routes = [list(r) for r in s.routes]
    movable = [t for t in range(s.n) if not s.fixed[t] and s.eligible[t]]
    it = 0
    last_report = time.perf_counter()
    current = best_cost
    idle = 0
    stall_limit = max(3000, 20 * len(movable))
    while movable and not should_stop(best_cost) and idle < stall_limit:
        it += 1
        improved = False
        t = s.rng.choice(movable)
        if s.route_of[t] >= 0:
            improved = s.relocate(t)
        if it % 25 == 0:
            k = s.rng.randrange(len(s.crewdays))
            if not s.crewdays[k].locked:
                improved = s.two_opt(k) or improved
        if s.working_only and it % s.params.eliminate_every == 0:
            short = s.shortest_crewdays(4)
            if short:
                improved = s.empty_crewday(s.rng.choice(short)) or improved
        if it % 200 == 0:
            left = [x for x in movable if s.route_of[x] < 0]
            left.sort(key=lambda x: (not s.urgent[x], -s.penalty[x]))
            for x in left[:50]:
                improved = s.insert(x) or (s.has_links[x] and s.pair_repair(x)) or improved
        idle = 0 if improved else idle + 1
        if it % 100 == 0:
            current = s.objective()
            if current < best_cost - 1e-6:
                best_cost = current
                best_routes = [list(r) for r in s.routes]
                now = time.perf_counter()
                if now - last_report > 0.2:
                    report(best_cost, now - t0, f"improved after {it} moves")
                    last_report = now
    current = s.objective()
    if current < best_cost:
        best_cost = current
        best_routes = [list(r) for r in s.routes]
    status = "cancelled" if should_stop.user_stopped else "feasible"
    if best_cost < current - 1e-6:
        # restore the best routes: every state the search held was feasible, so the best one is too
        for k in range(len(s.crewdays)):
            if s.routes[k]:
                s._set_route(k, [], s._simulate(k, []))  # type: ignore[arg-type]
        for _ in range(2):  # twice: linked tasks wait for partners restored later in the first pass
            for k, seq in enumerate(best_routes):
                if seq:
                    sim = s._simulate(k, seq) or s._simulate(k, seq, strict=False)
                    s._set_route(k, seq, sim)  # type: ignore[arg-type]
    urgent_last_word(s)
    return status


