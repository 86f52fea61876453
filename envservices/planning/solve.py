"""The weekly planning engine's front door: tasks to crew-days, each an ordered route, no hard rule broken.

Design, and why
---------------
The hard rules of a council week do not fit one off-the-shelf model: time windows *and* several closed periods
per task, breaks that float inside a window, unload trips to the nearest tip when the vehicle fills, `before`
links that tie two routes' clocks together on one day, pins and locked crew-days, the week's fairness. So the
engine owns the rules (one exact schedule simulator, below) and the days (which crew-day does which task), and
PyVRP plans the order of each day's visits across that day's crews wherever it can express them.

Why PyVRP for the routes, measured (`envservices bench solomon`, 12 Solomon VRPTW instances, 30 s each, fleet of
the best-known, distance-only DIMACS best-known values; envservices/bench/RESULTS.md): PyVRP 0.14 direct
mean gap 0.10 % (worst 0.47 %); plain OR-Tools 9.15 routing (parallel cheapest insertion + guided local
search) 3.57 % (worst 9.26 %, nothing feasible with the best-known fleet on 5 of 12); this engine's own
insertion + local search 134 % with 5 of 12 infeasible at that fleet. With PyVRP routing the day (below), the
engine's mean gap is 0.10 % (worst 1.10 %, 12 of 12 feasible at the best-known fleet; PyVRP direct 0.03 %,
OR-Tools 2.17 % in the same run). OR-Tools routing is therefore not used: it is worse than
PyVRP on what both can express, and what neither expresses (floating breaks, several closed periods, links
across routes, fairness) the exact simulator and the engine's own moves handle anyway.

How PyVRP is used (`day_routing.route_day`; what it cannot see is approximated on the safe side and the exact
simulator has the last word):
* One day, no links (a Solomon instance, a one-day re-plan): first plan by insertion (anytime), then PyVRP on
  the whole day for ONE_DAY_PYVRP_SHARE of the time left, its routes re-timed by the simulator, then the
  engine's local search polishes.
* A week: the engine builds and improves the week (choosing days) for WEEK_IMPROVE_SHARE of the time, then
  each day in turn goes to PyVRP (warm-started from the engine's routes) for WEEK_PYVRP_SHARE, then the engine
  polishes. A day's PyVRP routes are kept only if the simulator accepts every route of that day, every link
  holds, no pinned task moves, no urgent task is lost and the objective (fairness and soft terms included,
  after one relocate pass over the day's tasks) drops; otherwise the engine's routes for that day stay.
  Locked crew-days are never offered; pinned tasks are offered only to their crew-day. A place's `together`
  tasks in one crew-day travel as one visit, a same-day `before` pair keeps each side of the partner's current
  times, and a crew-day may grow by at most WEEK_DAY_SLACK_S (PyVRP does not see the week's fairness).
  Measured on a 600-task synthetic week, 8 crews, 30 s: objective -4.0 %, travel -19 %, crew hours -4.6 %
  against the engine alone, 4-5 of 5 days kept, zero violations.
* Skills and equipment become PyVRP routing profiles (out-of-reach travel to tasks a crew cannot do), breaks
  shorten the shift and the simulator puts them back, closed periods narrow a task's window to its longest
  open stretch, tips are PyVRP reload depots and the day's end is reached through the best tip.

Without PyVRP installed the engine runs the same search without the PyVRP passes; weeks above
`SolveParams.decompose_above` tasks with several depots are planned depot by depot, each with its own passes.

A county-size week (more than `build.LAZY_ABOVE` locations) has no whole travel matrix: its travel is
`LazyTravel`, computed for the locations or pairs asked for. It is planned in pieces (`engine/pieces.py`):
depot by depot, a depot's part above `SolveParams.piece_above` tasks in areas with their share of its crews,
each piece on a dense int32 matrix of its own locations, the pieces in forked processes (one per core), and
the plans put side by side; the checker computes the legs the plan uses. Work one piece could not take is
not offered to another.

Where things live (planning/engine/): `state.py` the search's state and objective, `schedule.py` the exact
simulator, `moves.py` the moves, `eligibility.py` who could do what and why not, `search.py` construction and
improvement, `pyvrp_days.py` the PyVRP day pass, `decompose.py` depot by depot, `pieces.py` a county in
pieces, `result.py` the PlanResult and its KPIs; the tuning is `planning/params.SolveParams`.

The engine itself is one exact schedule simulator plus a search around it:

* `Search._simulate` walks a crew-day's sequence from the depot and back and returns the exact times (travel,
  waiting for a window, pushing past closed periods, breaks taken at the first point they are due, a tip visit
  when the next task would overflow the vehicle and one at the end of the day, return before shift end plus
  overtime) or None when any hard rule breaks. Everything the search does is checked by it, so every plan the
  search holds is feasible at every moment: that is what makes the engine *anytime* and safe to cancel.
* Construction: pins first, then urgent, routine and optional tasks (tightest due window first), each by
  cheapest insertion. Candidate positions are ranked by a vectorised detour estimate (numpy over the travel
  matrix) and only the best few are simulated, which keeps insertion near O(route length) per task.
* Urgent tasks that did not fit are inserted by an exhaustive search over every position of every crew-day
  that could do them, ejecting optional and then routine work when that is the only way (ejected work is
  re-inserted elsewhere if it fits). Urgent work is never left out while a crew could do it.
* Improvement until the stopping criterion: relocate a random task to its best position anywhere (this is
  also intra-route or-opt), 2-opt inside a route, and re-insertion of tasks left out. A move is kept only if
  it lowers the objective and the simulator and the `before`/`within` links accept it.

The objective: crew hours x cost per hour (overtime at the overtime multiplier) + km x cost per km + the
penalty of each task left out (optional < routine << urgent) + a fairness term, the squared deviation of each
crew's weekly hours from the crews' mean (so every crew's week counts, not only the longest) + a stability
term for each task done by a crew other than its place's previous team + a term for each extra crew-day a
place's due tasks are split over (`together`, a soft rule).

Measured on this 2-core machine with synthetic weeks (`planning.synthetic`, straight-line travel):
* 1,500 tasks, 8 crews, one depot: first feasible plan 1.4-1.7 s, converged in 50-60 s, zero violations, 6 of
  1,500 left out (all held back by a `before`/`within` link on overloaded mowing crews), crews' weekly hours
  within 0.5 h of each other.
* 6,000 tasks, 32 crews, 4 depots: solved as one problem, 312 left out after 300 s (the search had made only
  a few passes); planned depot by depot and joined (see `solve`, `SolveParams.decompose_above`): first
  whole-week plan 6.3 s, 62 left out (49 held back by links) at 291 s, travel 17 % less, zero violations.
  Fairness is then per depot (crews' weekly hours 11 h apart across depots, within 1 h inside a depot).
* PyVRP as a pure route polisher (each crew-day re-ordered alone, tasks kept on their crew-day) improved the
  week's route cost by only 0.39 %: the gain is in moving tasks between a day's crews, which the day pass
  above does.
"""


from __future__ import annotations

import time

from envservices.planning.callbacks import Progress, no_progress
from envservices.planning.engine.decompose import solve_by_depot, split_by_depot
from envservices.planning.engine.result import result_of
from envservices.planning.engine.search import search
from envservices.planning.params import SOLVER_NAME, SolveParams
from envservices.planning.problem import PlanningProblem, PlanResult
from envservices.planning.stop import StoppingCriterion

__all__ = ["SOLVER_NAME", "SolveParams", "solve", "split_by_depot"]


def solve(problem: PlanningProblem, *, time_limit_s: float = 30, stop: StoppingCriterion | None = None,
          progress: Progress | None = None, seed: int = 0, params: SolveParams | None = None) -> PlanResult:
    """Plan the week: the best plan found before the time limit or the stop criterion (e.g. a cancel).

    Large weeks with several depots are planned depot by depot (each task with the depot nearest to it that
    has crews able to do it; linked tasks stay together), then joined and repaired as one week: the search
    converges per depot in the time it would need to make a few passes over the whole district."""
    params = params or SolveParams()
    report = progress or no_progress
    depots = {c.depot_location for c in problem.crews}
    if len(problem.tasks) > params.decompose_above and len(depots) > 1:
        return solve_by_depot(problem, time_limit_s, stop, report, seed, params)
    t0 = time.perf_counter()
    s, status, attempted, solver = search(problem, time_limit_s, stop, report, seed, t0, params)
    result = result_of(s, status, attempted, solver)
    report(result.cost, time.perf_counter() - t0, f"done: {status}")
    return result
