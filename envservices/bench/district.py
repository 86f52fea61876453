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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from envservices.planning.engine.compartments import room_l
from envservices.planning.problem import PlanningProblem, is_lazy

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
    crew_days: int = 0
    crew_days_bound: int = 0
    source: str = "rota"
    unplanned_urgent: int = 0
    crew_days_bound_travel: int | None = None
    operating_cost: float = 0.0
    master: str = "auto"
    paid_hours: float = 0.0


def crew_days_bound(problem: PlanningProblem, task_ids: set[str]) -> int:
    """A lower bound on the crew-days these tasks need: per skill, the task hours over the longest working
    shift of a crew with that skill (shift less breaks), rounded up, summed over skills. It ignores travel and
    tips, so no plan reaches it; a plan within 10 % of it wastes little on part-empty crew-days."""
    hours: dict[str, int] = {}
    for t in problem.tasks:
        if t.id in task_ids:
            hours[t.skill] = hours.get(t.skill, 0) + t.duration_s
    bound = 0
    shifts = _shifts_by_skill(problem, hours)
    for skill, work_s in hours.items():
        longest = shifts[skill]
        if longest > 0:
            bound += math.ceil(work_s / longest)
    return bound


def _shifts_by_skill(problem: PlanningProblem, skills) -> dict[str, int]:
    """The longest working shift (shift less breaks, seconds) of a crew with each skill; 0 when none has it."""
    return {skill: max((c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks)
                        for c in problem.crews if skill in c.skills), default=0) for skill in skills}


def crew_days_bound_travel(problem: PlanningProblem, task_ids: set[str]) -> int | None:
    """A lower bound on the crew-days these tasks need that counts travel it can prove, per skill like
    `crew_days_bound`: task time, plus for each location that must be visited on a day (a task due that day
    only; a task with several days counts its location once, where no such day is already counted) the
    quickest way into it from any other stop, depot or tip; plus the unloading its volume needs (every litre
    is tipped: the volume over the biggest able vehicle, rounded up, times the shortest unload); plus one
    leg back to a depot per crew-day (the plain bound's crew-days times the quickest such leg). None for a
    county-size week, whose travel is not held whole."""
    if is_lazy(problem.travel):
        return None
    tasks = [t for t in problem.tasks if t.id in task_ids]
    if not tasks:
        return 0
    dur = np.asarray(problem.travel.duration_s)
    depots = sorted({c.depot_location for c in problem.crews})
    tips = [tp.location for tp in problem.tips]
    stops = np.array(sorted({t.location for t in tasks} | set(depots) | set(tips)), dtype=np.int64)
    into = dur[np.ix_(stops, stops)].astype(np.float64)
    np.fill_diagonal(into, np.inf)
    quickest_in = dict(zip(stops.tolist(), into.min(axis=0).tolist()))
    work: dict[str, float] = {}
    for t in tasks:
        work[t.skill] = work.get(t.skill, 0.0) + t.duration_s
    fixed = {(t.location, t.earliest_day) for t in tasks if t.earliest_day == t.latest_day}
    counted: set = set()
    for t in sorted(tasks, key=lambda t: t.latest_day - t.earliest_day):
        if t.earliest_day == t.latest_day:
            key = (t.location, t.earliest_day)
        elif any((t.location, d) in fixed for d in range(t.earliest_day, t.latest_day + 1)):
            continue
        else:
            key = (t.location, "any")
        if key not in counted:
            counted.add(key)
            work[t.skill] += quickest_in[t.location]
    unload = min((tp.unload_s for tp in problem.tips), default=0)
    shifts = _shifts_by_skill(problem, work)
    bound = 0
    for skill, work_s in work.items():
        longest = shifts[skill]
        if longest <= 0:
            continue
        able = [c for c in problem.crews if skill in c.skills]
        volume = sum(t.volume_l for t in tasks if t.skill == skill)
        biggest = max((c.capacity_l for c in able), default=0)
        if volume and biggest > 0 and tips:
            work_s += _least_loads(tasks, skill, able, volume, biggest) * unload
        homes = sorted({c.depot_location for c in able})
        froms = np.array(sorted({t.location for t in tasks if t.skill == skill} | set(tips)), dtype=np.int64)
        home_leg = float(dur[np.ix_(froms, np.array(homes, dtype=np.int64))].min())
        plain = math.ceil(sum(t.duration_s for t in tasks if t.skill == skill) / longest)
        bound += math.ceil((work_s + plain * home_leg) / longest)
    return bound


def _least_loads(tasks, skill: str, able, volume: int, biggest: int) -> int:
    """Fewest loads the skill's volume needs: no fewer than the whole volume over the biggest body, nor than
    any one stream's volume over the biggest compartment that takes that stream (a split body's food pod fills
    long before its whole body would)."""
    by_stream: dict[str | None, int] = {}
    for t in tasks:
        if t.skill == skill and t.volume_l > 0:
            by_stream[t.stream] = by_stream.get(t.stream, 0) + t.volume_l
    least = math.ceil(volume / biggest)
    for stream, litres in by_stream.items():
        room = max((room_l(c, stream) for c in able), default=0)
        if room > 0:
            least = max(least, math.ceil(litres / room))
    return least


def paid_hours(problem: PlanningProblem, result) -> float:
    """Hours paid if each crew-day worked is paid its whole shift (and any overtime): `crew_hours` counts
    depart to return only, so the difference is paid time a crew is back at the depot with nothing to do,
    which only fewer, fuller crew-days remove."""
    crews = {c.id: c for c in problem.crews}
    total = 0
    for r in result.routes:
        c = crews.get(r.crew)
        if c is not None and any(s.kind == "task" for s in r.stops):
            total += max(r.return_s, c.shift_end_s) - min(r.depart_s, c.shift_start_s)
    return total / 3600


def operating_cost(problem: PlanningProblem, result) -> float:
    """What the plan's crew-days cost to run: crew hours (overtime at its rate), kilometres and the fixed
    crew-day cost; the objective's soft terms (fairness, stability, together) and penalties left out."""
    crews = {c.id: c for c in problem.crews}
    total = 0.0
    for r in result.routes:
        c = crews.get(r.crew)
        if c is None or not any(s.kind == "task" for s in r.stops):
            continue
        over_h = max(0, r.return_s - c.shift_end_s) / 3600
        total += ((r.return_s - r.depart_s) / 3600 + over_h * (c.overtime_multiplier - 1)) * c.cost_per_hour
        total += r.distance_m / 1000 * c.cost_per_km + c.day_cost
    return round(total, 1)


def plan_figures(problem: PlanningProblem, result) -> dict:
    """What a manager counts in a plan: crew-days used against the lower bound, crew hours per task hour."""
    durations = {t.id: t.duration_s for t in problem.tasks}
    planned = {s.task for r in result.routes for s in r.stops if s.kind == "task"}
    crew_hours = sum(r.return_s - r.depart_s for r in result.routes if r.stops) / 3600
    task_hours = sum(durations.get(t, 0) for t in planned) / 3600
    return {
        "crew_days": sum(1 for r in result.routes if any(s.kind == "task" for s in r.stops)),
        "crew_days_bound": crew_days_bound(problem, planned),
        "crew_days_bound_travel": crew_days_bound_travel(problem, planned),
        "operating_cost": operating_cost(problem, result),
        "paid_hours": round(paid_hours(problem, result), 1),
        "crew_hours": round(crew_hours, 1),
        "task_hours": round(task_hours, 1),
        "hours_ratio": round(crew_hours / task_hours, 2) if task_hours else None,
    }


def _district_problem(scale: float, seed: int, source: str = "rota") -> PlanningProblem:
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
        problem = prepare_week(db, DEMO_WEEK, source=source).problem
        db.dispose()
    return problem


def _peak_memory_mb() -> float:
    """Process peak resident memory (ru_maxrss is KiB on Linux, bytes on macOS); includes the C++ solvers.
    A county's depots planned in child processes add each child's own peak (`process_peak_mb`): an upper
    bound, since a forked child counts the pages it shares with this process too."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_district(scale: float, time_limit_s: float, seed: int = 1,
                 problem_for: Callable[..., PlanningProblem] = _district_problem,
                 source: str = "rota", master: str = "auto") -> DistrictRun:
    """Build and solve one scale; first-feasible time comes from the progress reports, violations from the
    independent checker. `source` is the week's work: the historic rota, or the needs model's forecasts."""
    from envservices.planning.check import check
    from envservices.planning.params import SolveParams
    from envservices.planning.solve import solve

    built = time.perf_counter()
    problem = problem_for(scale, seed) if source == "rota" else problem_for(scale, seed, source)
    build_s = time.perf_counter() - built
    first: list[float] = []

    def progress(best_cost: float, elapsed_s: float, message: str = "") -> None:
        if not first and best_cost is not None and math.isfinite(best_cost):
            first.append(elapsed_s)

    start = time.perf_counter()
    result = solve(problem, time_limit_s=time_limit_s, progress=progress, seed=seed,
                   params=SolveParams(master=master))
    seconds = time.perf_counter() - start
    figures = plan_figures(problem, result)
    return DistrictRun(
        scale=scale, tasks=len(problem.tasks), crews=len(problem.crews),
        first_feasible_s=first[0] if first else None, seconds=seconds, cost=float(result.cost),
        crew_hours=figures["crew_hours"], task_hours=figures["task_hours"], unplanned=len(result.unplanned),
        peak_memory_mb=_peak_memory_mb() + sum(result.kpis.get("process_peak_mb", [])), status=result.status, violations=len(check(problem, result)),
        build_s=build_s, crew_days=figures["crew_days"], crew_days_bound=figures["crew_days_bound"],
        source=source, unplanned_urgent=int(result.kpis.get("unplanned_urgent", 0)),
        crew_days_bound_travel=figures["crew_days_bound_travel"], operating_cost=figures["operating_cost"],
        master=master, paid_hours=figures["paid_hours"],
    )
