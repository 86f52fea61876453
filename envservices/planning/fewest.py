"""Plan with the fewest crews that leave no due work out: the crews a manager could release for the week.

Why: a fixed cost per crew-day consolidates a light week, but a supervisor asking "how many crews do I need?"
wants the answer as a number of crews, not a cost. The search releases the least-used crews of a first plan,
as many as it can while no more work due this week (or urgent) is left out than with every crew: first the set
CP-SAT's packing proposes (engine/cpsat.py), then a binary search over how many more of the least-used to
release, each probe a short plan; the last plan gets the time that is left.

Measured on the demo's needs week (scale 1, 60 s, CPU shared): the binary search alone kept 8 of 13 crews, 24
crew-days, operating cost 16,369; CP-SAT's set (packing at 1.8 crew hours per task hour) kept 7, 22 crew-days,
15,769; both left no due work out and broke no rule (envservices/bench/RESULTS.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from envservices.planning.callbacks import Progress, no_progress
from envservices.planning.engine.cpsat import crews_to_release
from envservices.planning.params import SolveParams
from envservices.planning.problem import PlanningProblem, PlanResult
from envservices.planning.stop import StoppingCriterion

FIRST_SHARE = 0.2  # of the time: the plan with every crew, which ranks the crews by use
CPSAT_SHARE = 0.1  # of the time: CP-SAT packs the week into crew-days (engine/cpsat.py) and proposes crews
PROBES_SHARE = 0.4  # of the time: the short plans that test a set of crews; the final plan gets the rest
FINAL_SHARE = 0.25  # of the time, kept for the final plan


def due_left_out(problem: PlanningProblem, result: PlanResult) -> set[str]:
    """Tasks left out that were due by the end of this week, or urgent."""
    index = {t.id: t for t in problem.tasks}
    return {tid for tid, _ in result.unplanned
            if index[tid].urgent or index[tid].latest_day <= problem.days - 1}


def _without(problem: PlanningProblem, crews: list[str]) -> PlanningProblem:
    away = {(c, d) for c in crews for d in range(problem.days)}
    return replace(problem, absent=frozenset(problem.absent) | away)


def solve_fewest_crews(problem: PlanningProblem, *, time_limit_s: float = 30,
                       stop: StoppingCriterion | None = None, progress: Progress | None = None,
                       seed: int = 0, params: SolveParams | None = None) -> PlanResult:
    """The week planned with as many of its crews released as leave no due work out (see the module)."""
    from envservices.planning.solve import solve

    report = progress or no_progress
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    first = solve(problem, time_limit_s=time_limit_s * FIRST_SHARE, stop=stop, progress=progress, seed=seed,
                  params=params)
    if first.status == "cancelled" or not problem.crews:
        return first
    allowed = len(due_left_out(problem, first))
    hours: dict[str, float] = {c.id: 0.0 for c in problem.crews}
    for r in first.routes:
        if r.stops:
            hours[r.crew] += (r.return_s - r.depart_s) / 3600
    ranked = sorted(hours, key=lambda c: (hours[c], c))
    best_k, best = 0, first
    lo, hi = 1, len(ranked) - 1
    # CP-SAT's packing proposes a set first: when it holds, the binary search only looks for more
    proposed, _days = crews_to_release(problem, time_limit_s=time_limit_s * CPSAT_SHARE, seed=seed)
    if proposed:
        trial = solve(_without(problem, proposed), time_limit_s=time_limit_s * PROBES_SHARE / 3, stop=stop,
                      seed=seed, params=params)
        if trial.status != "cancelled" and len(due_left_out(problem, trial)) <= allowed:
            ranked = proposed + [c for c in ranked if c not in proposed]
            best_k, best = len(proposed), trial
            lo = best_k + 1
        report(best.cost, time.perf_counter() - t0,
               f"CP-SAT's packing: {len(ranked) - len(proposed)} crews "
               f"{'will do' if best_k else 'leave due work out'}")
    probes = max(1, math.ceil(math.log2(max(2, len(ranked)))))
    probe_s = time_limit_s * PROBES_SHARE / probes
    while lo <= hi and time.perf_counter() + probe_s < deadline - time_limit_s * FINAL_SHARE:
        k = (lo + hi) // 2
        trial = solve(_without(problem, ranked[:k]), time_limit_s=probe_s, stop=stop, seed=seed,
                      params=params)
        if trial.status == "cancelled":
            break
        if len(due_left_out(problem, trial)) <= allowed:
            best_k, best = k, trial
            lo = k + 1
        else:
            hi = k - 1
        report(best.cost, time.perf_counter() - t0,
               f"{len(ranked) - best_k} crews will do; tried {len(ranked) - k}")
    left = deadline - time.perf_counter()
    if best_k and left > 1.0:
        final = solve(_without(problem, ranked[:best_k]), time_limit_s=left, stop=stop, seed=seed,
                      params=params)
        if len(due_left_out(problem, final)) <= allowed and final.status != "cancelled":
            best = final
    released = ranked[:best_k]
    kpis = dict(best.kpis)
    kpis["crews_released"] = sorted(set(kpis.get("crews_released", [])) | set(released))
    kpis["crews_released_week"] = len(kpis["crews_released"])
    kpis["fewest_crews"] = len(ranked) - best_k
    report(best.cost, time.perf_counter() - t0, f"done: {best.status}")
    return replace(best, kpis=kpis)
