"""A county's week in pieces: each depot's part planned on a dense matrix of its own locations only, the
parts in parallel processes where there are cores, and their plans put side by side as the week.

Why: the whole district's matrix is the square of its stops. The demo at scale 16 (42,020 tasks, some 16,000
locations) peaked at 17.1 GB building it; a depot's part is a fraction of the stops, so a fraction squared of
the memory, and the parts share nothing but the travel function, so they plan at the same time.
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
from envservices.planning.engine.result import result_of
from envservices.planning.engine.search import construct, improve_routing
from envservices.planning.params import SOLVER_NAME, SolveParams
from envservices.planning.problem import PlanningProblem, PlanResult, TravelMatrix, is_lazy
from envservices.planning.result import PlanKpis
from envservices.planning.stop import StoppingCriterion


def localise(part: PlanningProblem) -> tuple[PlanningProblem, np.ndarray]:
    """The part on a dense int32 matrix of its own locations (its tasks, its crews' depots, the tips), and
    those locations' indices in the whole problem."""
    locations = np.array(sorted({t.location for t in part.tasks} | {c.depot_location for c in part.crews}
                                | {tp.location for tp in part.tips}), dtype=np.int64)
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
    """One depot's finished plan, on the whole problem's locations, with what joining the week needs."""

    result: PlanResult
    hours: list[float]  # weekly hours of the crews the fairness term counts
    status: str
    built: bool  # every task of the piece was tried
    peak_mb: float = 0.0


def build_piece(part: PlanningProblem, deadline: float, stop: StoppingCriterion | None, report: Progress,
                seed: int, params: SolveParams, t0: float):
    """Localise one depot's part and build its first plan: (search, locations, status, tasks tried)."""
    local, where = localise(part)
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
    hours = [h for h in sub.crew_hours if h > 1e-9 or not sub.working_only]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return PiecePlan(replace(r, routes=routes), hours, status, status != "time limit", peak)


def _processes(params: SolveParams, parts: int) -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(parts, params.processes or cores))


def solve_pieces(problem: PlanningProblem, parts: list[PlanningProblem], deadline: float,
                 stop: StoppingCriterion | None, report: Progress, seed: int, params: SolveParams,
                 t0: float) -> PlanResult:
    """Plan each depot's part on its own locations (in parallel processes where cores allow) and join."""
    workers = _processes(params, len(parts))
    if workers > 1:
        plans = _in_processes(parts, deadline, stop, report, seed, params, t0, workers)
    else:
        plans = []
        built = []
        for n, part in enumerate(parts):
            built.append(build_piece(part, deadline, stop, _relay(report, t0, n, len(parts)), seed + n, params, t0))
            if built[-1][2] != "feasible":
                break
        if all(b[2] == "feasible" for b in built) and len(built) == len(parts):
            report(sum(b[0].objective() for b in built), time.perf_counter() - t0, "first plan built")
        total = sum(len(p.tasks) for p in parts)
        for n, b in enumerate(built):
            share = (deadline - time.perf_counter()) * 0.9 * len(parts[n].tasks) / max(1, total)
            total -= len(parts[n].tasks)
            plans.append(finish_piece(b, share, stop, _relay(report, t0, n, len(parts)), seed + n, t0))
            if plans[-1].status == "cancelled":
                stop = _always
    result = join_pieces(problem, plans, len(parts), workers)
    report(result.cost, time.perf_counter() - t0, f"done: {result.status}")
    return result


def _in_processes(parts: list[PlanningProblem], deadline: float, stop: StoppingCriterion | None,
                  report: Progress, seed: int, params: SolveParams, t0: float, workers: int) -> list[PiecePlan]:
    """Each part in a forked process (the problem and the travel function are inherited, not copied); the
    parent relays progress, passes a cancel on, and reports the first whole-week plan when every part has
    been built. perf_counter is the system's monotonic clock on Linux, so the deadline holds in children."""
    ctx = multiprocessing.get_context("fork")
    messages = ctx.Queue()
    cancel = ctx.Event()

    def child(n: int, part: PlanningProblem) -> None:
        try:
            halt = lambda best: cancel.is_set()
            piece = build_piece(part, deadline, halt, _quiet, seed + n, params, t0)
            messages.put(("built", n, piece[0].objective(), piece[2] == "feasible"))
            plan = finish_piece(piece, (deadline - time.perf_counter()) * 0.95, halt, _quiet, seed + n, t0)
            messages.put(("done", n, plan))
        except BaseException:  # noqa: BLE001 - the parent turns it into an error of its own
            messages.put(("error", n, traceback.format_exc()))

    pending = list(enumerate(parts))
    running: dict[int, multiprocessing.process.BaseProcess] = {}
    plans: dict[int, PiecePlan] = {}
    objectives: dict[int, float] = {}
    first_reported = False
    while pending or running:
        while pending and len(running) < workers:
            n, part = pending.pop(0)
            proc = ctx.Process(target=child, args=(n, part), daemon=True)
            proc.start()
            running[n] = proc
        try:
            message = messages.get(timeout=0.25)
        except queue_module.Empty:
            if stop is not None and not cancel.is_set() and stop(math.inf):
                cancel.set()
            for n, proc in list(running.items()):
                if not proc.is_alive() and n not in plans:
                    time.sleep(1.0)  # its last message may still be in the pipe
                    if messages.empty():
                        _stop_all(running)
                        raise RuntimeError(f"planning depot {n + 1} of {len(parts)} stopped unexpectedly "
                                           f"(exit code {proc.exitcode})")
            continue
        kind, n = message[0], message[1]
        if kind == "error":
            _stop_all(running)
            raise RuntimeError(f"planning depot {n + 1} of {len(parts)} failed:\n{message[2]}")
        if kind == "built":
            objectives[n] = message[2]
            if len(objectives) == len(parts) and not first_reported:
                first_reported = True
                report(sum(objectives.values()), time.perf_counter() - t0, "first plan built")
            continue
        plans[n] = message[2]
        running.pop(n).join()
        report(sum(p.result.cost for p in plans.values()), time.perf_counter() - t0,
               f"depot {n + 1} of {len(parts)}: done")
    return [plans[n] for n in sorted(plans)]


def _relay(report: Progress, t0: float, n: int, parts: int) -> Progress:
    def relay(best: float, elapsed: float, message: str) -> None:
        report(best, time.perf_counter() - t0, f"depot {n + 1} of {parts}: {message}")

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


def join_pieces(problem: PlanningProblem, plans: list[PiecePlan], n_parts: int, workers: int) -> PlanResult:
    """The depots' plans side by side as one week; its figures are their sums.

    Without a whole matrix the week is not repaired as one: work one depot's crews could not take is not
    offered to another depot's crews."""
    routes = [route for p in plans for route in p.result.routes]
    unplanned = [u for p in plans for u in p.result.unplanned]
    seen = {st.task for route in routes for st in route.stops if st.task} | {u for u, _ in unplanned}
    unplanned.extend((t.id, "planning was stopped before this task could be placed")
                     for t in problem.tasks if t.id not in seen)
    statuses = {p.status for p in plans}
    status = ("cancelled" if "cancelled" in statuses
              else "time limit" if "time limit" in statuses or len(plans) < n_parts else "feasible")
    totals: dict[str, float] = defaultdict(float)
    by_day = [0] * problem.days
    released: list[str] = []
    for p in plans:
        for k in ("crew_hours", "travel_km", "overtime_h", "visits", "unplanned_urgent", "forecast_failures",
                  "cost", "together_split", "crew_days", "crew_days_released", "crews_released_week"):
            totals[k] += p.result.kpis.get(k, 0)
        by_day = [a + b for a, b in zip(by_day, p.result.kpis.get("crews_released_by_day", []), strict=False)]
        released.extend(p.result.kpis.get("crews_released", []))
    hours = [h for p in plans for h in p.hours]
    solver = plans[0].result.solver if plans else SOLVER_NAME
    name = (solver.split(" (")[0] + f"; planned depot by depot ({n_parts} depots, travel per depot"
            + (f", {workers} processes)" if workers > 1 else ")"))
    kpis = PlanKpis(
        crew_hours=round(totals["crew_hours"], 3), travel_km=round(totals["travel_km"], 3),
        overtime_h=round(totals["overtime_h"], 3), visits=int(totals["visits"]), unplanned=len(unplanned),
        unplanned_urgent=int(totals["unplanned_urgent"]), forecast_failures=int(totals["forecast_failures"]),
        cost=round(totals["cost"], 2), together_split=int(totals["together_split"]),
        crew_hours_spread=round(max(hours) - min(hours), 3) if hours else 0.0, solver=name,
        crew_days=int(totals["crew_days"]), crews_released_by_day=tuple(by_day),
        crew_days_released=int(totals["crew_days_released"]),
        crews_released_week=int(totals["crews_released_week"]), crews_released=tuple(released),
        extra={"processes": workers, "process_peak_mb": [round(p.peak_mb) for p in plans]},
    ).as_dict()
    explained = [e for p in plans for e in p.result.explanations]
    return PlanResult(routes=tuple(routes), unplanned=tuple(unplanned),
                      cost=round(sum(p.result.cost for p in plans), 3), kpis=kpis, solver=name,
                      travel_source=problem.travel.source, status=status,
                      explanations=tuple(dict.fromkeys(explained)))
