"""The demo district's week at several scales: how fast a first plan appears, and how good the last one is.

Why: the Solomon and PVRP-IF figures say how good the routing and day choice are on clean instances; this
says what a supervisor will feel (seconds to a first plan, minutes to the final one, memory) on our own
kind of problem, and how close crew hours come to the plain sum of task durations (a lower bound: no travel).
"""

from __future__ import annotations

import math
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from envservices.planning.problem import PlanningProblem

DEFAULT_SCALES = (1.0, 4.0, 16.0)
DEMO_WEEK = "2026-W48"


@dataclass
class DistrictRun:
    scale: float
    tasks: int
    crews: int
    first_feasible_s: float | None
    seconds: float
    cost: float
    crew_hours: float
    task_hours: float
    unplanned: int
    peak_memory_mb: float
    status: str
    violations: int = 0
    build_s: float = 0.0
    note: str = ""


def _district_problem(scale: float, seed: int) -> PlanningProblem:
    """The demo district's week as a planning problem, built the way the application builds it.

    The one place this module reaches into the services layer (imported here, lazily, so the bench package
    itself depends only on planning): a throw-away SQLite database gets the seeded demo district, and the
    week's work from the historic rota is gathered by `prepare_week`, as `envservices plan` does before the
    needs model takes over.
    """
    from envservices.services import open_db
    from envservices.services.district import create_demo
    from envservices.services.planning import prepare_week

    with tempfile.TemporaryDirectory(prefix="envservices-bench-") as folder:
        db = open_db(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
        create_demo(db, seed=seed, scale=scale)
        problem = prepare_week(db, DEMO_WEEK, source="rota").problem
        db.dispose()
    return problem


def _peak_memory_mb() -> float:
    """Process peak resident memory (ru_maxrss is KiB on Linux, bytes on macOS); includes the C++ solvers."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_district(scale: float, time_limit_s: float, seed: int = 1,
                 problem_for: Callable[[float, int], PlanningProblem] = _district_problem) -> DistrictRun:
    """Build and solve one scale; first-feasible time comes from the progress reports, violations from the
    independent checker."""
    from envservices.planning.check import check
    from envservices.planning.solve import solve

    built = time.perf_counter()
    problem = problem_for(scale, seed)
    build_s = time.perf_counter() - built
    first: list[float] = []

    def progress(best_cost: float, elapsed_s: float, message: str = "") -> None:
        if not first and best_cost is not None and math.isfinite(best_cost):
            first.append(elapsed_s)

    start = time.perf_counter()
    result = solve(problem, time_limit_s=time_limit_s, progress=progress, seed=seed)
    seconds = time.perf_counter() - start
    durations = {t.id: t.duration_s for t in problem.tasks}
    planned = {s.task for r in result.routes for s in r.stops if s.kind == "task"}
    crew_hours = sum(r.return_s - r.depart_s for r in result.routes if r.stops) / 3600
    task_hours = sum(durations.get(t, 0) for t in planned) / 3600
    return DistrictRun(
        scale=scale, tasks=len(problem.tasks), crews=len(problem.crews),
        first_feasible_s=first[0] if first else None, seconds=seconds, cost=float(result.cost),
        crew_hours=crew_hours, task_hours=task_hours, unplanned=len(result.unplanned),
        peak_memory_mb=_peak_memory_mb(), status=result.status, violations=len(check(problem, result)),
        build_s=build_s,
    )
