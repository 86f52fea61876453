"""Plan with the fewest crews that leave no due work out: the crews a manager could release for the week.

Why: a fixed cost per crew-day consolidates a light week, but a supervisor asking "how many crews do I need?"
wants the answer as a number of crews, not a cost. The search releases the least-used crews of a first plan,
as many as it can (a binary search over how many, each probe a short plan) while no work due this week and no
urgent work is left out that the first plan had placed; the last plan gets the time that is left.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from envservices.planning.callbacks import Progress, no_progress
from envservices.planning.problem import PlanningProblem, PlanResult
from envservices.planning.stop import StoppingCriterion

FIRST_SHARE = 0.25  # of the time: the plan with every crew, which ranks the crews by use
PROBES_SHARE = 0.5  # of the time: the binary search's short plans; the final plan gets the rest


def due_left_out(problem: PlanningProblem, result: PlanResult) -> set[str]:
    """Tasks left out that were due by the end of this week, or urgent."""
    index = {t.id: t for t in problem.tasks}
    return {tid for tid, _ in result.unplanned
            if index[tid].urgent or index[tid].latest_day <= problem.days - 1}


def _without(problem: PlanningProblem, crews: list[str]) -> PlanningProblem:
    away = {(c, d) for c in crews for d in range(problem.days)}
    return replace(problem, absent=frozenset(problem.absent) | away)


def solve_fewest_crews(problem: PlanningProblem, *, time_limit_s: float = 30, stop: StoppingCriterion | None = None,
                       progress: Progress | None = None, seed: int = 0) -> PlanResult:
    """The week planned with as many of its crews released as leave no due work out (see the module)."""
    from envservices.planning.solve import solve

    report = progress or no_progress
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    first = solve(problem, time_limit_s=time_limit_s * FIRST_SHARE, stop=stop, progress=progress, seed=seed)
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
    probes = max(1, math.ceil(math.log2(max(2, len(ranked)))))
    probe_s = time_limit_s * PROBES_SHARE / probes
    while lo <= hi and time.perf_counter() + probe_s < deadline:
        k = (lo + hi) // 2
        trial = solve(_without(problem, ranked[:k]), time_limit_s=probe_s, stop=stop, seed=seed)
        if trial.status == "cancelled":
            break
        if len(due_left_out(problem, trial)) <= allowed:
            best_k, best = k, trial
            lo = k + 1
        else:
            hi = k - 1
        report(best.cost, time.perf_counter() - t0, f"{len(ranked) - best_k} crews will do; tried {len(ranked) - k}")
    left = deadline - time.perf_counter()
    if best_k and left > 1.0:
        final = solve(_without(problem, ranked[:best_k]), time_limit_s=left, stop=stop, seed=seed)
        if len(due_left_out(problem, final)) <= allowed and final.status != "cancelled":
            best = final
    released = ranked[:best_k]
    kpis = dict(best.kpis)
    kpis["crews_released"] = sorted(set(kpis.get("crews_released", [])) | set(released))
    kpis["crews_released_week"] = len(kpis["crews_released"])
    kpis["fewest_crews"] = len(ranked) - best_k
    report(best.cost, time.perf_counter() - t0, f"done: {best.status}")
    return replace(best, kpis=kpis)
