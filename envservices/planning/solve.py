"""The weekly planning engine: tasks to crew-days, each crew-day an ordered route, never breaking a hard rule.

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

Without PyVRP installed, and for weeks planned depot by depot (above DECOMPOSE_ABOVE tasks), the engine runs
the same search without the PyVRP passes.

The engine itself is one exact schedule simulator plus a search around it:

* `_Search._simulate` walks a crew-day's sequence from the depot and back and returns the exact times (travel,
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
  a few passes); planned depot by depot and joined (see `solve`, above DECOMPOSE_ABOVE tasks): first
  whole-week plan 6.3 s, 62 left out (49 held back by links) at 291 s, travel 17 % less, zero violations.
  Fairness is then per depot (crews' weekly hours 11 h apart across depots, within 1 h inside a depot).
* PyVRP as a pure route polisher (each crew-day re-ordered alone, tasks kept on their crew-day) improved the
  week's route cost by only 0.39 %: the gain is in moving tasks between a day's crews, which the day pass
  above does.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from envservices.planning.callbacks import Progress, no_progress
from envservices.planning.day_routing import DayCrew, DayTask, DayTip, open_stretch, route_day
from envservices.planning.problem import PlanningProblem, PlanResult, Route, RouteStop
from envservices.planning.stop import AnyOf, StoppingCriterion, TimeLimit

SOLVER_NAME = "envservices insertion + local search"
BALANCE_WEIGHT = 20.0  # cost units per (hour of deviation from the crews' mean)^2, at 60 per crew hour
WORKING_BALANCE_WEIGHT = 2.0
"""The same, when crew-days have a fixed cost: then fairness counts only the crews that work, and weighs
little, so that it never outbids releasing a crew-day (an hour's deviation across a crew's week costs 2,
a crew-day 195): with 20 the demo's needs week kept 50 crew-days for 300 crew hours."""
PENALTY_KEEP = 10_000  # work at least this dear to leave out (routine and urgent) must find a place elsewhere
ELIMINATE_EVERY = 150  # improvement moves between tries to empty a short crew-day (when crew-days cost)
STABILITY_WEIGHT = 15.0  # cost units per task done by a crew other than its place's previous team
TOGETHER_WEIGHT = 40.0  # cost units per extra crew-day a place's due tasks are split over
INSERTION_TRIES = 8  # simulated candidate positions per insertion (ranked by detour)
BIG_TIME = 10**9
ONE_DAY_PYVRP_SHARE = 0.85  # of the time left after the first plan, for PyVRP on a one-day problem
WEEK_IMPROVE_SHARE = 0.45  # of the time left after the first plan: the engine moves work between days
WEEK_PYVRP_SHARE = 0.35  # then PyVRP re-routes each day; the engine polishes in the rest
WEEK_DAY_SLACK_S = 1800  # a week's crew-day may grow by this much in PyVRP's hands (fairness, see _day_inputs)
WEEK_OFFER_MIN = 20  # work left out offered to PyVRP on a week's day: at least this many, or a third of the day
DECOMPOSE_ABOVE = 2500  # tasks; above this a week with several depots is planned depot by depot
SPLIT_WORK_SHARE = 0.6
"""Share of a depot's crew time the depot split fills with task time before sending work to the next-nearest
depot: the rest goes on travel, tips and slack (the demo's rota weeks spend about 38 % travelling)."""


@dataclass
class _CrewDay:
    index: int
    crew: int
    crew_id: str
    day: int
    depot: int
    start_s: int
    shift_end_s: int
    limit_s: int
    capacity_l: int
    breaks: tuple[tuple[int, int, int], ...]
    cost_per_hour: float
    cost_per_km: float
    overtime_multiplier: float
    fixed_cost: float = 0.0
    open: bool = True
    locked: bool = False


@dataclass
class _Sim:
    cost: float
    return_s: int
    distance_m: int
    starts: list[int]
    ends: list[int]
    stops: list[RouteStop] = field(default_factory=list)


class _Search:
    """The state of one search: routes per crew-day, task positions and times, and the objective's parts."""

    def __init__(self, problem: PlanningProblem, seed: int) -> None:
        self.p = problem
        self.rng = random.Random(seed)
        tasks = problem.tasks
        self.n = len(tasks)
        self.task_index = {t.id: i for i, t in enumerate(tasks)}
        # kept in their own integer type: a district matrix is large, a copy would double the memory
        self.dur_s = np.asarray(problem.travel.duration_s)
        self.dist_m = np.asarray(problem.travel.distance_m)
        if not np.issubdtype(self.dur_s.dtype, np.integer):
            self.dur_s = np.rint(self.dur_s).astype(np.int64)
        if not np.issubdtype(self.dist_m.dtype, np.integer):
            self.dist_m = np.rint(self.dist_m).astype(np.int64)
        self.loc = [t.location for t in tasks]
        self.loc_arr = np.array(self.loc, dtype=np.int64) if tasks else np.zeros(0, dtype=np.int64)
        self.service_s = [t.duration_s for t in tasks]
        self.vol = [t.volume_l for t in tasks]
        self.ws = [t.window_start_s if t.window_start_s is not None else 0 for t in tasks]
        self.we = [t.window_end_s if t.window_end_s is not None else BIG_TIME for t in tasks]
        self.urgent = [t.urgent for t in tasks]
        self.penalty = [float(t.penalty) for t in tasks]
        self.closed: list[dict[int, list[tuple[int, int]]]] = [dict() for _ in tasks]
        for c in problem.closed:
            i = self.task_index.get(c.task)
            if i is not None:
                self.closed[i].setdefault(c.day, []).append((c.start_s, c.end_s))
        for d in self.closed:
            for v in d.values():
                v.sort()
        # tips: travel to and from every location, as plain lists for the simulator's inner loop
        self.tips = list(problem.tips)
        self.day_tips = [DayTip(tp.location, tp.open_s, tp.close_s, tp.unload_s) for tp in self.tips]
        tip_locs = [tp.location for tp in self.tips]
        if self.tips:
            self.to_tip_s = self.dur_s[:, tip_locs].tolist()
            self.to_tip_m = self.dist_m[:, tip_locs].tolist()
            self.from_tip_s = self.dur_s[tip_locs, :].T.tolist()
            self.from_tip_m = self.dist_m[tip_locs, :].T.tolist()
        # links: (first, second, max_days); same day means first ends before second starts
        self.links: list[list[tuple[int, int, int]]] = [[] for _ in tasks]
        for b in problem.before:
            self._add_link(b.first, b.second, 0)
        for w in problem.within:
            self._add_link(w.first, w.second, w.max_days)
        self.has_links = [bool(x) for x in self.links]
        self.preds: list[list[int]] = [[f for (f, s, _) in self.links[i] if s == i] for i in range(self.n)]
        # together groups and stability
        self.group_of = [-1] * self.n
        self.groups: list[list[int]] = []
        for g in problem.together:
            members = [self.task_index[t] for t in g.tasks if t in self.task_index]
            members = [m for m in members if self.group_of[m] < 0]
            if len(members) > 1:
                for m in members:
                    self.group_of[m] = len(self.groups)
                self.groups.append(members)
        self.group_count: list[dict[int, int]] = [defaultdict(int) for _ in self.groups]
        crew_pos = {c.id: i for i, c in enumerate(problem.crews)}
        self.prev_crew = [crew_pos.get(problem.previous_crew_of_place.get(t.place, ""), -1) for t in tasks]
        # crew-days
        self.crewdays: list[_CrewDay] = []
        self.cd_index: dict[tuple[str, int], int] = {}
        locked = {(lk.crew, lk.day) for lk in problem.locks}
        for ci, c in enumerate(problem.crews):
            for d in range(problem.days):
                k = len(self.crewdays)
                cd = _CrewDay(
                    index=k, crew=ci, crew_id=c.id, day=d, depot=c.depot_location, start_s=c.shift_start_s,
                    shift_end_s=c.shift_end_s, limit_s=c.shift_end_s + c.overtime_s, capacity_l=c.capacity_l,
                    breaks=tuple(sorted((b.earliest_s, b.latest_s, b.duration_s) for b in c.breaks)),
                    cost_per_hour=c.cost_per_hour, cost_per_km=c.cost_per_km,
                    overtime_multiplier=c.overtime_multiplier, fixed_cost=c.day_cost,
                    open=(d not in c.days_off and (c.id, d) not in problem.absent),
                    locked=(c.id, d) in locked,
                )
                self.crewdays.append(cd)
                self.cd_index[(c.id, d)] = k
        self.n_crews = len(problem.crews)
        # fairness is priced in crew time: crews that cost nothing per hour (a distance-only benchmark) have
        # no hours to balance, so the term must not outweigh their kilometres
        mean_rate = sum(c.cost_per_hour for c in problem.crews) / max(1, self.n_crews)
        # with a fixed cost per crew-day the plan is to use few crew-days well: fairness among working crews
        self.working_only = any(c.day_cost > 0 for c in problem.crews)
        weight = WORKING_BALANCE_WEIGHT if self.working_only else BALANCE_WEIGHT
        self.balance_weight = weight * mean_rate / 60.0
        # state
        self.routes: list[list[int]] = [[] for _ in self.crewdays]
        self.route_cost = [0.0] * len(self.crewdays)
        self.route_hours = [0.0] * len(self.crewdays)
        self.crew_hours = [0.0] * self.n_crews
        self.route_of = [-1] * self.n
        self.start_of = [0] * self.n
        self.end_of = [0] * self.n
        self.fixed = [False] * self.n  # pinned or locked: never moved
        self.reason: dict[int, str] = {}
        self.eligible: list[list[int]] = [[] for _ in range(self.n)]
        self.elig_days: list[set[int]] = [set() for _ in range(self.n)]

    def _add_link(self, first: str, second: str, max_days: int) -> None:
        f, s = self.task_index.get(first), self.task_index.get(second)
        if f is None or s is None or f == s:
            return
        self.links[f].append((f, s, max_days))
        self.links[s].append((f, s, max_days))

    # ------------------------------------------------------------------ the exact schedule of one crew-day
    def _simulate(self, k: int, seq: list[int], record: bool = False, strict: bool = True) -> _Sim | None:
        """Times along the route, or None when a hard rule breaks (strict). Not strict: times all the same."""
        cd = self.crewdays[k]
        if not seq:
            return _Sim(0.0, cd.start_s, 0, [], [])
        locs = [cd.depot] + [self.loc[t] for t in seq] + [cd.depot]
        arr = np.asarray(locs, dtype=np.int64)
        legs_s = self.dur_s[arr[:-1], arr[1:]].tolist()
        legs_m = self.dist_m[arr[:-1], arr[1:]].tolist()
        day = cd.day
        cap = cd.capacity_l
        pending = list(cd.breaks)
        in_seq = set(seq) if any(self.preds[t] for t in seq) else None
        now = cd.start_s
        load = 0
        dist = 0
        cur = cd.depot
        starts = [0] * len(seq)
        ends = [0] * len(seq)
        stops: list[RouteStop] = []
        tips = self.tips
        for i, t in enumerate(seq):
            v = self.vol[t]
            travel = legs_s[i]
            tdist = legs_m[i]
            lt = locs[i + 1]
            if load + v > cap:
                if not tips or v > cap:
                    if strict:
                        return None
                else:
                    j = self._best_tip(cur, lt)
                    tp = tips[j]
                    to_tip = self.to_tip_s[cur][j]
                    now = self._breaks_before(pending, now, now + to_tip + tp.unload_s, cur, stops, record,
                                              strict)
                    if now < 0:
                        return None
                    arrive = now + to_tip
                    st = max(arrive, tp.open_s)
                    if st + tp.unload_s > tp.close_s and strict:
                        return None
                    now = st + tp.unload_s
                    dist += self.to_tip_m[cur][j]
                    if record:
                        stops.append(RouteStop("tip", tp.location, arrive, st, now, tip=tp.id))
                    load = 0
                    cur = tp.location
                    travel = self.from_tip_s[lt][j]
                    tdist = self.from_tip_m[lt][j]
            release = self.ws[t]
            if in_seq is not None:
                for f in self.preds[t]:
                    kf = self.route_of[f]
                    if f not in in_seq and kf >= 0 and self.crewdays[kf].day == day:
                        if self.end_of[f] > release:
                            release = self.end_of[f]
            dur = self.service_s[t]
            closed = self.closed[t].get(day) if self.closed[t] else None
            st = self._start_after(now + travel, release, dur, closed)
            if pending:
                before = now
                now = self._breaks_before(pending, now, st + dur, cur, stops, record, strict)
                if now < 0:
                    return None
                if now != before:
                    st = self._start_after(now + travel, release, dur, closed)
            arrive = now + travel
            if st + dur > self.we[t] and strict:
                return None
            now = st + dur
            load += v
            dist += tdist
            cur = lt
            starts[i] = st
            ends[i] = now
            if record:
                stops.append(RouteStop("task", lt, arrive, st, now, task=self.p.tasks[t].id))
        travel = legs_s[-1]
        tdist = legs_m[-1]
        if load > 0 and tips:
            j = self._best_tip(cur, cd.depot)
            tp = tips[j]
            to_tip = self.to_tip_s[cur][j]
            now = self._breaks_before(pending, now, now + to_tip + tp.unload_s, cur, stops, record, strict)
            if now < 0:
                return None
            arrive = now + to_tip
            st = max(arrive, tp.open_s)
            if st + tp.unload_s > tp.close_s and strict:
                return None
            now = st + tp.unload_s
            dist += self.to_tip_m[cur][j]
            if record:
                stops.append(RouteStop("tip", tp.location, arrive, st, now, tip=tp.id))
            cur = tp.location
            travel = self.from_tip_s[cd.depot][j]
            tdist = self.from_tip_m[cd.depot][j]
        for b in list(pending):
            if now + travel > b[0]:
                bs = max(now, b[0])
                if bs > b[1] and strict:
                    return None
                if record:
                    stops.append(RouteStop("break", cur, bs, bs, bs + b[2]))
                now = bs + b[2]
                pending.remove(b)
        ret = now + travel
        dist += tdist
        if ret > cd.limit_s and strict:
            return None
        worked_h = (ret - cd.start_s) / 3600.0
        over_h = max(0, ret - cd.shift_end_s) / 3600.0
        cost = (worked_h + over_h * (cd.overtime_multiplier - 1.0)) * cd.cost_per_hour
        cost += dist / 1000.0 * cd.cost_per_km + cd.fixed_cost
        return _Sim(cost, ret, dist, starts, ends, stops)

    def _best_tip(self, cur: int, nxt: int) -> int:
        to = self.to_tip_s[cur]
        back = self.from_tip_s[nxt]
        best, best_j = None, 0
        for j in range(len(self.tips)):
            c = to[j] + self.tips[j].unload_s + back[j]
            if best is None or c < best:
                best, best_j = c, j
        return best_j

    @staticmethod
    def _start_after(arrive: int, release: int, dur: int, closed: list[tuple[int, int]] | None) -> int:
        st = arrive if arrive > release else release
        if closed:
            moved = True
            while moved:
                moved = False
                for cs, ce in closed:
                    if st < ce and st + dur > cs:
                        st = ce
                        moved = True
        return st

    @staticmethod
    def _breaks_before(pending: list, now: int, next_end: int, cur: int, stops: list, record: bool,
                       strict: bool) -> int:
        """Take each due break here, before the next leg: once its window has opened, or when the next stop
        would end past the latest start of the break. Returns the new time, or -1 when a break is missed."""
        while pending:
            e, late, d = pending[0]
            if now >= e or next_end > late:
                bs = now if now > e else e
                if bs > late and strict:
                    return -1
                if record:
                    stops.append(RouteStop("break", cur, bs, bs, bs + d))
                next_end += bs + d - now
                now = bs + d
                pending.pop(0)
            else:
                break
        return now

    # ------------------------------------------------------------------ state changes and objective parts
    def _set_route(self, k: int, seq: list[int], sim: _Sim) -> None:
        cd = self.crewdays[k]
        for t in self.routes[k]:
            if self.route_of[t] == k:
                self.route_of[t] = -1
                g = self.group_of[t]
                if g >= 0:
                    self._group_dec(g, k)
        self.routes[k] = list(seq)
        for i, t in enumerate(seq):
            was = self.route_of[t]
            if was >= 0 and was != k and self.group_of[t] >= 0:
                # t still sits in another route being put back (a move undone): count it once, here
                self._group_dec(self.group_of[t], was)
            self.route_of[t] = k
            self.start_of[t] = sim.starts[i]
            self.end_of[t] = sim.ends[i]
            g = self.group_of[t]
            if g >= 0:
                self.group_count[g][k] += 1
        self.route_cost[k] = sim.cost
        hours = (sim.return_s - cd.start_s) / 3600.0 if seq else 0.0
        self.crew_hours[cd.crew] += hours - self.route_hours[k]
        self.route_hours[k] = hours

    def refresh_dependents(self, changed: set[int]) -> None:
        """Re-time routes whose tasks wait for a linked task in a changed route (it may now end earlier)."""
        todo = set()
        for k in changed:
            day = self.crewdays[k].day
            for t in self.routes[k]:
                if self.has_links[t]:
                    for f, sec, _ in self.links[t]:
                        ks = self.route_of[sec]
                        if f == t and ks >= 0 and ks not in changed and self.crewdays[ks].day == day:
                            todo.add(ks)
        for k in todo:
            sim = self._simulate(k, self.routes[k])
            if sim is not None:
                self._set_route(k, self.routes[k], sim)

    def _group_dec(self, g: int, k: int) -> None:
        c = self.group_count[g]
        c[k] -= 1
        if c[k] <= 0:
            del c[k]

    def _balance(self) -> float:
        if self.n_crews == 0:
            return 0.0
        return self.balance_weight * self._ss(self.crew_hours)

    def _balance_delta(self, changes: dict[int, float]) -> float:
        """Change of the fairness term when crews' weekly hours change by `changes` (crew -> hours)."""
        if not changes or self.n_crews == 0:
            return 0.0
        hours = list(self.crew_hours)
        before = self._ss(hours)
        for c, dh in changes.items():
            hours[c] += dh
        return self.balance_weight * (self._ss(hours) - before)

    def _ss(self, hours: list[float]) -> float:
        """Sum of squared deviations from the mean: over every crew, or over the crews that work."""
        if self.working_only:
            hours = [h for h in hours if h > 1e-9]
            if not hours:
                return 0.0
        m = sum(hours) / len(hours)
        return sum((h - m) ** 2 for h in hours)

    def _mean_hours(self) -> float:
        hours = [h for h in self.crew_hours if h > 1e-9] if self.working_only else self.crew_hours
        return sum(hours) / len(hours) if hours else 0.0

    def _soft(self, t: int, k: int) -> float:
        """Stability and together terms of putting task t into crew-day k (t not counted anywhere yet)."""
        cost = 0.0
        pc = self.prev_crew[t]
        if pc >= 0 and pc != self.crewdays[k].crew:
            cost += STABILITY_WEIGHT
        g = self.group_of[t]
        if g >= 0:
            c = self.group_count[g]
            if c and k not in c:
                cost += TOGETHER_WEIGHT
        return cost

    def _soft_removal(self, t: int, k: int) -> float:
        """Change of the soft terms when task t leaves crew-day k (negative of what it had cost)."""
        cost = 0.0
        pc = self.prev_crew[t]
        if pc >= 0 and pc != self.crewdays[k].crew:
            cost -= STABILITY_WEIGHT
        g = self.group_of[t]
        if g >= 0:
            c = self.group_count[g]
            if c.get(k, 0) == 1 and len(c) > 1:
                cost -= TOGETHER_WEIGHT
        return cost

    def objective(self) -> float:
        total = sum(self.route_cost) + self._balance()
        for t in range(self.n):
            k = self.route_of[t]
            if k < 0:
                total += self.penalty[t]
            elif self.prev_crew[t] >= 0 and self.prev_crew[t] != self.crewdays[k].crew:
                total += STABILITY_WEIGHT
        for c in self.group_count:
            if len(c) > 1:
                total += TOGETHER_WEIGHT * (len(c) - 1)
        return total

    def _links_ok(self, tasks: list[int]) -> bool:
        for t in tasks:
            if not self.has_links[t]:
                continue
            for f, s, max_days in self.links[t]:
                kf, ks = self.route_of[f], self.route_of[s]
                if kf < 0 or ks < 0:
                    continue
                gap = self.crewdays[ks].day - self.crewdays[kf].day
                if gap < 0 or gap > max_days:
                    return False
                if gap == 0 and self.end_of[f] > self.start_of[s]:
                    return False
        return True

    def _link_days_ok(self, t: int, day: int, partner_days: bool = False) -> bool:
        """Quick day-level test of t's links if t were done on `day` (partners where they are now). With
        `partner_days`, a partner not yet planned must still have a day it could be done on."""
        for f, s, max_days in self.links[t]:
            other = s if f == t else f
            ko = self.route_of[other]
            if ko < 0:
                if partner_days and self.elig_days[other]:
                    if f == t and not any(0 <= d - day <= max_days for d in self.elig_days[other]):
                        return False
                    if s == t and not any(0 <= day - d <= max_days for d in self.elig_days[other]):
                        return False
                continue
            od = self.crewdays[ko].day
            gap = (od - day) if f == t else (day - od)
            if gap < 0 or gap > max_days:
                return False
        return True

    # ------------------------------------------------------------------ insertion
    def _positions(self, t: int, k: int, seq: list[int]) -> np.ndarray:
        """Detour (seconds) of putting t at each position 0..len(seq) of the route."""
        depot = self.crewdays[k].depot
        if seq:
            route = np.empty(len(seq) + 2, dtype=np.int64)
            route[0] = depot
            route[-1] = depot
            route[1:-1] = self.loc_arr[seq]
        else:
            route = np.array([depot, depot], dtype=np.int64)
        lt = self.loc[t]
        a, b = route[:-1], route[1:]
        return self.dur_s[a, lt] + self.dur_s[lt, b] - self.dur_s[a, b]

    def best_insertion(self, t: int, override: dict[int, list[int]] | None = None,
                       tries: int = INSERTION_TRIES, exhaustive: bool = False,
                       removal_crew: tuple[int, float] | None = None, partner_days: bool = False
                       ) -> tuple[float, int, list[int], _Sim] | None:
        """Cheapest feasible (delta, crew-day, new sequence, times) for task t, or None.

        `override` replaces some routes' sequences (a move's removal side); `removal_crew` is the crew hour
        change of that removal, so the fairness term of the whole move is counted exactly."""
        cands: list[tuple[float, int, int]] = []
        dur = self.service_s[t]
        mean = self._mean_hours()
        for k in self.eligible[t]:
            cd = self.crewdays[k]
            if self.has_links[t] and not self._link_days_ok(t, cd.day, partner_days):
                continue
            seq = override[k] if override and k in override else self.routes[k]
            detours = self._positions(t, k, seq)
            est_base = self._soft(t, k)
            rate = cd.cost_per_hour / 3600.0
            m = self.crew_hours
            dh = (dur + float(detours.min())) / 3600.0
            est_base += self.balance_weight * 2 * dh * (m[cd.crew] - mean)
            if exhaustive or len(detours) <= tries:
                order = range(len(detours))
            else:
                order = np.argpartition(detours, tries - 1)[:tries].tolist()
            for pos in order:
                cands.append((est_base + (float(detours[pos]) + dur) * rate, k, int(pos)))
        if not cands:
            return None
        cands.sort()
        if not exhaustive:
            # the cheapest-looking positions first; if none of them fits (their crew-days are full), the
            # cheapest position of every other crew-day: a busy week's cheapest detours cluster in full routes,
            # and stopping there called a task "no room" while other crews had time (a rota week at 10 s left
            # 200 tasks out that way)
            head = cands[: 2 * tries]
            seen_days = {k for _e, k, _p in head}
            tail = []
            for c in cands[2 * tries:]:
                if c[1] not in seen_days:
                    seen_days.add(c[1])
                    tail.append(c)
            cands = head + tail
            head_n = len(head)
        best: tuple[float, int, list[int], _Sim] | None = None
        feasible_seen = 0
        for i, (_est, k, pos) in enumerate(cands):
            if not exhaustive and i >= head_n and best is not None:
                break
            seq = override[k] if override and k in override else self.routes[k]
            new = seq[:pos] + [t] + seq[pos:]
            sim = self._simulate(k, new)
            if sim is None:
                continue
            cd = self.crewdays[k]
            old_cost = self._route_cost_of(k, seq, override)
            changes: dict[int, float] = {}
            if removal_crew is not None:
                changes[removal_crew[0]] = removal_crew[1]
            old_h = self._hours_of(k, seq, override)
            new_h = (sim.return_s - cd.start_s) / 3600.0
            changes[cd.crew] = changes.get(cd.crew, 0.0) + new_h - old_h
            delta = sim.cost - old_cost + self._soft(t, k) + self._balance_delta(changes)
            if best is None or delta < best[0]:
                best = (delta, k, new, sim)
            feasible_seen += 1
            if not exhaustive and feasible_seen >= 3:
                break
        return best

    def _route_cost_of(self, k: int, seq: list[int], override: dict[int, list[int]] | None) -> float:
        if override and k in override:
            return self._override_cost[k]
        return self.route_cost[k]

    def _hours_of(self, k: int, seq: list[int], override: dict[int, list[int]] | None) -> float:
        if override and k in override:
            return self._override_hours[k]
        return self.route_hours[k]

    _override_cost: dict[int, float] = {}
    _override_hours: dict[int, float] = {}

    def insert(self, t: int, tries: int = INSERTION_TRIES, exhaustive: bool = False) -> bool:
        found = None
        if self.has_links[t]:
            found = self.best_insertion(t, tries=tries, exhaustive=exhaustive, partner_days=True)
        if found is None:
            found = self.best_insertion(t, tries=tries, exhaustive=exhaustive)
        if found is None:
            return False
        _delta, k, new, sim = found
        old = self.routes[k]
        old_sim = self._simulate(k, old)
        self._set_route(k, new, sim)
        if not self._links_ok(new):
            if old_sim is not None:
                self._set_route(k, old, old_sim)
            return False
        self.refresh_dependents({k})
        return True

    # ------------------------------------------------------------------ moves
    def relocate(self, t: int) -> bool:
        """Take t out and put it back at its best position anywhere; keep only if the objective drops."""
        ka = self.route_of[t]
        if ka < 0 or self.fixed[t]:
            return False
        seq_a = self.routes[ka]
        reduced = [x for x in seq_a if x != t]
        sim_a = self._simulate(ka, reduced)
        if sim_a is None:
            return False
        cd_a = self.crewdays[ka]
        hours_a = (sim_a.return_s - cd_a.start_s) / 3600.0 if reduced else 0.0
        removal_gain = sim_a.cost - self.route_cost[ka] + self._soft_removal(t, ka)
        self._override_cost = {ka: sim_a.cost}
        self._override_hours = {ka: hours_a}
        # take t out of the counts while looking for its new home
        g = self.group_of[t]
        if g >= 0:
            self._group_dec(g, ka)
        self.route_of[t] = -1
        found = self.best_insertion(t, override={ka: reduced},
                                    removal_crew=(cd_a.crew, hours_a - self.route_hours[ka]))
        self.route_of[t] = ka
        if g >= 0:
            self.group_count[g][ka] += 1
        if found is None:
            return False
        delta, kb, new_b, sim_b = found
        if removal_gain + delta >= -1e-6:
            return False
        old_a, old_b = list(seq_a), list(self.routes[kb])
        old_sims = {ka: self._simulate(ka, old_a)}
        if kb != ka:
            old_sims[kb] = self._simulate(kb, old_b)
            self._set_route(ka, reduced, sim_a)
        self._set_route(kb, new_b, sim_b)
        if not self._links_ok(list(set(reduced) | set(new_b))):
            self._set_route(ka, old_a, old_sims[ka])  # type: ignore[arg-type]
            if kb != ka:
                self._set_route(kb, old_b, old_sims[kb])  # type: ignore[arg-type]
            return False
        self.refresh_dependents({ka, kb})
        return True

    def two_opt(self, k: int) -> bool:
        seq = self.routes[k]
        n = len(seq)
        if n < 4 or self.crewdays[k].locked:
            return False
        route = np.empty(n + 2, dtype=np.int64)
        route[0] = route[-1] = self.crewdays[k].depot
        route[1:-1] = self.loc_arr[seq]
        d = self.dur_s
        i = np.arange(1, n)[:, None]
        j = np.arange(2, n + 1)[None, :]
        delta = d[route[i - 1], route[j]] + d[route[i], route[j + 1]] - d[route[i - 1], route[i]] \
            - d[route[j], route[j + 1]]
        delta = np.where(j > i, delta, 0)
        flat = np.argsort(delta, axis=None)[:5]
        for f in flat:
            a, b = np.unravel_index(f, delta.shape)
            if delta[a, b] >= 0:
                break
            ii, jj = int(a) + 1, int(b) + 2  # route positions; sequence positions are one less
            new = seq[: ii - 1] + seq[ii - 1: jj][::-1] + seq[jj:]
            sim = self._simulate(k, new)
            if sim is None:
                continue
            cd = self.crewdays[k]
            new_h = (sim.return_s - cd.start_s) / 3600.0
            gain = sim.cost - self.route_cost[k] + self._balance_delta({cd.crew: new_h - self.route_hours[k]})
            if gain < -1e-6:
                old, old_sim = list(seq), self._simulate(k, seq)
                self._set_route(k, new, sim)
                if self._links_ok(new):
                    self.refresh_dependents({k})
                    return True
                self._set_route(k, old, old_sim)  # type: ignore[arg-type]
        return False

    def snapshot(self) -> list[list[int]]:
        return [list(r) for r in self.routes]

    def restore(self, routes: list[list[int]]) -> None:
        """Back to a snapshot taken with `snapshot` (only the routes that differ are re-timed)."""
        changed = [k for k in range(len(routes)) if routes[k] != self.routes[k]]
        for k in changed:
            self._set_route(k, [], self._simulate(k, []))  # type: ignore[arg-type]
        for _ in range(2):
            for k in changed:
                sim = self._simulate(k, routes[k]) or self._simulate(k, routes[k], strict=False)
                self._set_route(k, routes[k], sim)  # type: ignore[arg-type]

    def pair_repair(self, t: int) -> bool:
        """Plan a task held back by its links: take its planned partners out, plan it, plan them again."""
        partners = {f if s == t else s for f, s, _ in self.links[t]}
        partners = [x for x in partners if self.route_of[x] >= 0 and not self.fixed[x]]
        if not partners:
            return False
        before = self.objective()
        snap = self.snapshot()
        for x in partners:
            k = self.route_of[x]
            reduced = [y for y in self.routes[k] if y != x]
            sim = self._simulate(k, reduced)
            if sim is None:
                self.restore(snap)
                return False
            self._set_route(k, reduced, sim)
        ok = self.insert(t)
        for x in partners:
            self.insert(x)
        if ok and self.objective() < before - 1e-6:
            return True
        self.restore(snap)
        return False

    def eject_for(self, t: int) -> bool:
        """Make room for urgent task t by taking out less urgent work from a crew-day that could do it."""
        for k in self.eligible[t]:
            seq = self.routes[k]
            victims = [x for x in seq if not self.urgent[x] and not self.fixed[x]]
            victims.sort(key=lambda x: (self.penalty[x], -self.service_s[x]))
            for v in victims:
                reduced = [x for x in seq if x != v]
                sim_r = self._simulate(k, reduced)
                if sim_r is None:
                    continue
                old, old_sim = list(seq), self._simulate(k, seq)
                self._set_route(k, reduced, sim_r)
                if self.insert(t, exhaustive=True):
                    self.insert(v)
                    return True
                self._set_route(k, old, old_sim)  # type: ignore[arg-type]
        return False


    def empty_crewday(self, k: int) -> bool:
        """Release crew-day k: its tasks to the best places in other crew-days, kept only if the objective
        drops. One task at a time cannot do it: every step but the last makes the plan dearer, and only the
        last saves the crew-day's fixed cost."""
        seq = list(self.routes[k])
        if not seq or self.crewdays[k].locked or any(self.fixed[t] for t in seq):
            return False
        before = self.objective()
        snap = self.snapshot()
        self._set_route(k, [], self._simulate(k, []))  # type: ignore[arg-type]
        self.refresh_dependents({k})
        placed = True
        for t in sorted(seq, key=lambda x: (not self.urgent[x], -self.service_s[x])):
            saved = self.eligible[t]
            self.eligible[t] = [x for x in saved if x != k]
            ok = self.insert(t)
            self.eligible[t] = saved
            if not ok and (self.urgent[t] or self.penalty[t] >= PENALTY_KEEP):
                placed = False
                break
        if placed and self.objective() < before - 1e-6:
            return True
        self.restore(snap)
        return False

    def shortest_crewdays(self, count: int) -> list[int]:
        """The used crew-days with the fewest hours: the ones a fixed cost per crew-day most wants gone."""
        used = [k for k in range(len(self.crewdays)) if self.routes[k] and not self.crewdays[k].locked]
        used.sort(key=lambda k: self.route_hours[k])
        return used[:count]


def _eligibility(s: _Search) -> None:
    """Which crew-days could do each task alone (skill, equipment, day, capacity, reach); reasons for none."""
    p = s.p
    crews = p.crews
    single_cache: dict[tuple, bool] = {}
    for i, t in enumerate(p.tasks):
        if i in s.reason or s.route_of[i] >= 0:
            continue
        lo, hi = max(0, t.earliest_day), min(p.days - 1, t.latest_day)
        if not crews:
            s.reason[i] = "there are no crews to plan for"
            continue
        if lo > hi:
            s.reason[i] = "its due window is outside this week"
            continue
        skilled = [c for c in crews if t.skill in c.skills]
        if not skilled:
            s.reason[i] = f"no crew has skill `{t.skill}`"
            continue
        if t.equipment:
            skilled = [c for c in skilled if t.equipment in c.equipment]
            if not skilled:
                s.reason[i] = f"no crew with skill `{t.skill}` has equipment `{t.equipment}`"
                continue
        if t.volume_l > 0:
            holding = [c for c in skilled if c.capacity_l >= t.volume_l]
            if not holding:
                if all(c.capacity_l <= 0 for c in skilled):
                    s.reason[i] = "the vehicles of the crews that could do it have no capacity (0 l)"
                else:
                    s.reason[i] = f"its volume ({t.volume_l} l) is more than any able crew's vehicle holds"
                continue
            skilled = holding
        ks = []
        for c in skilled:
            for d in range(lo, hi + 1):
                k = s.cd_index[(c.id, d)]
                if s.crewdays[k].open and not s.crewdays[k].locked:
                    ks.append(k)
        if not ks:
            s.reason[i] = f"no crew has skill `{t.skill}` on any day in the window"
            continue
        if t.window_start_s is not None and t.window_end_s is not None \
                and t.window_end_s - t.window_start_s < t.duration_s:
            s.reason[i] = "its time-of-day window is shorter than the work"
            continue
        ok = []
        for k in ks:
            cd = s.crewdays[k]
            key = (i, cd.depot, cd.start_s, cd.limit_s, cd.capacity_l, cd.breaks,
                   cd.day if s.closed[i] else -1)
            feasible = single_cache.get(key)
            if feasible is None:
                saved = s.route_of[i]
                feasible = s._simulate(k, [i]) is not None
                s.route_of[i] = saved
                single_cache[key] = feasible
            if feasible:
                ok.append(k)
        if not ok:
            reach = min(
                s.crewdays[k].start_s + int(s.dur_s[s.crewdays[k].depot, t.location]) + t.duration_s
                + int(s.dur_s[t.location, s.crewdays[k].depot]) - s.crewdays[k].limit_s
                for k in ks
            )
            if reach > 0:
                s.reason[i] = "it is farther away or longer than any able crew's shift can reach"
            else:
                s.reason[i] = ("its time-of-day window (or a closed period) cannot be met in any able "
                               "crew's shift")
            continue
        s.eligible[i] = ok
        s.elig_days[i] = {s.crewdays[k].day for k in ok}


def _explanations(problem: PlanningProblem, unplanned: list[tuple[str, str]]) -> tuple[str, ...]:
    """Group the reasons by place name, e.g. "no crew has skill `hedge` on any day in the window of 14 tasks
    in Batchley"."""
    by: dict[tuple[str, str], int] = defaultdict(int)
    place_of = {t.id: t.place for t in problem.tasks}
    for tid, reason in unplanned:
        by[(reason, place_of.get(tid, ""))] += 1
    out = []
    if not problem.crews:
        out.append("there are no crews to plan for")
    for c in problem.crews:
        if c.capacity_l <= 0 and any(t.volume_l > 0 for t in problem.tasks):
            out.append(f"crew {problem.names.get(c.id, c.id)} has a vehicle with no capacity (0 l)")
    for (reason, place), count in sorted(by.items(), key=lambda kv: (-kv[1], kv[0])):
        if reason == "there are no crews to plan for":
            continue
        name = problem.names.get(place, place)
        what = f"{count} task{'s' if count != 1 else ''} in {name}"
        joiner = " of " if reason.endswith("window") else ", for "
        out.append(f"{reason}{joiner}{what}")
    return tuple(out)


def solve(problem: PlanningProblem, *, time_limit_s: float = 30, stop: StoppingCriterion | None = None,
          progress: Progress | None = None, seed: int = 0) -> PlanResult:
    """Plan the week: the best plan found before the time limit or the stop criterion (e.g. a cancel).

    Large weeks with several depots are planned depot by depot (each task with the depot nearest to it that
    has crews able to do it; linked tasks stay together), then joined and repaired as one week: the search
    converges per depot in the time it would need to make a few passes over the whole district."""
    report = progress or no_progress
    depots = {c.depot_location for c in problem.crews}
    if len(problem.tasks) > DECOMPOSE_ABOVE and len(depots) > 1:
        return _solve_by_depot(problem, time_limit_s, stop, report, seed)
    t0 = time.perf_counter()
    s, status, attempted, solver = _search(problem, time_limit_s, stop, report, seed, t0)
    result = _result(s, status, attempted, solver)
    report(result.cost, time.perf_counter() - t0, f"done: {status}")
    return result


class _Phase:
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


def _search(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None, report: Progress,
            seed: int, t0: float) -> tuple[_Search, str, set[int] | None, str]:
    """The whole search on one problem: locks, pins, construction, urgent pass, improvement, and the days'
    routes by PyVRP where it is installed (see the module docstring for the split of the time)."""
    s, built, user_stopped, attempted = _construct(problem, time_limit_s, stop, report, seed, t0)
    if user_stopped:
        return s, "cancelled", (None if built else attempted), SOLVER_NAME
    if not built:
        return s, "time limit", attempted, SOLVER_NAME
    status, solver = _improve_routing(s, time_limit_s - (time.perf_counter() - t0), stop, report, t0, seed)
    return s, status, None, solver


def _improve_routing(s: _Search, time_s: float, stop: StoppingCriterion | None, report: Progress, t0: float,
                     seed: int) -> tuple[str, str]:
    """Improve a built plan: the engine's moves, and PyVRP for each day's routes where it is installed.
    Returns the status and the solver's description."""
    problem = s.p
    start = time.perf_counter()
    if not _pyvrp_version() or not any(s.eligible[t] for t in range(s.n)):
        return _improve(s, time_s, stop, report, t0), SOLVER_NAME
    one_day = problem.days == 1 and not problem.before and not problem.within
    if not one_day:
        status = _improve(s, time_s * WEEK_IMPROVE_SHARE, stop, report, t0)
        if status == "cancelled":
            return status, SOLVER_NAME
    left = time_s - (time.perf_counter() - start)
    share = ONE_DAY_PYVRP_SHARE if one_day else WEEK_PYVRP_SHARE / (1.0 - WEEK_IMPROVE_SHARE)
    kept, tried, cancelled = _pyvrp_days(s, left * share, stop, report, t0, seed, one_day)
    solver = (f"envservices: routes by PyVRP {_pyvrp_version()} iterated local search, polished by the "
              "engine's local search" if one_day else
              f"envservices: days by insertion + local search; routes by PyVRP {_pyvrp_version()} iterated "
              f"local search where the exact simulator accepts them ({kept} of {tried} days)")
    if cancelled:
        _urgent_last_word(s)
        return "cancelled", solver
    return _improve(s, time_s - (time.perf_counter() - start), stop, report, t0), solver


def _pyvrp_version() -> str:
    """PyVRP's version, or "" when it is not installed (the engine then routes alone)."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return ""
    try:
        return importlib.metadata.version("pyvrp")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


def _pyvrp_days(s: _Search, time_s: float, stop: StoppingCriterion | None, report: Progress, t0: float,
                seed: int, whole_day: bool) -> tuple[int, int, bool]:
    """Route each day's tasks across that day's crews with PyVRP and keep a day's routes only where the exact
    simulator accepts every route and the objective drops. Returns (days kept, days tried, cancelled)."""
    deadline = time.perf_counter() + max(0.0, time_s)
    days = sorted({cd.day for cd in s.crewdays if cd.open and not cd.locked})
    inputs = {d: _day_inputs(s, d, offer_all=whole_day) for d in days}
    sizes = {d: len(x[0]) for d, x in inputs.items() if x is not None}
    kept = tried = 0
    asked = _Asked(stop)
    for n, d in enumerate(days):
        if asked(s.objective()):
            return kept, tried, True
        if d not in sizes or not sizes[d]:
            continue
        if n > 0:
            inputs[d] = _day_inputs(s, d, offer_all=whole_day)  # earlier days may have taken or freed work
            if inputs[d] is None:
                continue
        tasks, crews, initial, bundles = inputs[d]  # type: ignore[misc]
        rest = sum(sizes.get(x, 0) for x in days[n:])
        slice_s = (deadline - time.perf_counter()) * sizes[d] / max(1, rest)
        if slice_s < 0.05:
            break
        tried += 1
        routes = route_day(tasks, crews, s.day_tips, s.dur_s, s.dist_m, slice_s, asked, seed + d,
                           initial=None if whole_day else initial)
        if routes is not None and bundles:
            routes = {k: [x for t in seq for x in bundles.get(t, [t])] for k, seq in routes.items()}
        if asked.said:
            return kept, tried, True
        if routes is not None and _adopt_day(s, d, [c.key for c in crews], routes):
            kept += 1
            report(s.objective(), time.perf_counter() - t0, f"day {d + 1}: routes by PyVRP kept")
        else:
            report(s.objective(), time.perf_counter() - t0, f"day {d + 1}: the engine's routes kept")
    return kept, tried, False


class _Asked:
    """The caller's stopping criterion, remembering whether it ever said stop (PyVRP asks it too)."""

    def __init__(self, stop: StoppingCriterion | None) -> None:
        self.stop = stop
        self.said = False

    def __call__(self, best_cost: float) -> bool:
        if not self.said and self.stop is not None and self.stop(best_cost):
            self.said = True
        return self.said


def _day_inputs(s: _Search, day: int, offer_all: bool
                ) -> tuple[list[DayTask], list[DayCrew], dict[int, list[int]], dict[int, list[int]]] | None:
    """The day as PyVRP sees it: its open, unlocked crew-days; the tasks planned on them; and work left out
    that they could do (all of it for a one-day problem, the most pressing for a week's day).

    A place's `together` tasks done one after another by one crew-day go to PyVRP as one visit (PyVRP has no
    rule to keep them in one route); the last item returned maps that visit's key to its tasks in order."""
    ks = [k for k, cd in enumerate(s.crewdays) if cd.day == day and cd.open and not cd.locked]
    if not ks:
        return None
    kset = set(ks)
    bundles: dict[int, list[int]] = {}
    planned: list[int] = []
    for k in ks:
        members: dict[int, list[int]] = defaultdict(list)
        for t in s.routes[k]:
            if s.group_of[t] >= 0 and _bundleable(s, t, day):
                members[s.group_of[t]].append(t)
        for t in s.routes[k]:
            group = members.get(s.group_of[t]) if s.group_of[t] >= 0 else None
            if group and len(group) > 1 and t in group:
                if t == group[0]:
                    bundles[t] = group
                    planned.append(t)
            else:
                planned.append(t)
    left = [t for t in range(s.n) if s.route_of[t] < 0 and not s.fixed[t] and kset.intersection(s.eligible[t])
            and (not s.has_links[t] or s._link_days_ok(t, day))]
    if not offer_all:
        left.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.elig_days[t])))
        left = left[: max(WEEK_OFFER_MIN, len(planned) // 3)]
    tasks = []
    for t in planned:
        if t in bundles:
            group = bundles[t]
            crews = frozenset(kset.intersection(*(s.eligible[x] for x in group)))
            if not crews:
                crews = frozenset({s.route_of[t]})
            inside_s = sum(int(s.dur_s[s.loc[a], s.loc[b]]) for a, b in itertools.pairwise(group))
            tasks.append(DayTask(
                key=t, location=s.loc[t], duration_s=sum(s.service_s[x] for x in group) + inside_s,
                crews=crews, volume_l=sum(s.vol[x] for x in group), prize=sum(s.penalty[x] for x in group),
                required=any(s.urgent[x] for x in group),
            ))
    for t in [x for x in planned if x not in bundles] + left:
        crews = frozenset({s.route_of[t]}) if s.fixed[t] else frozenset(k for k in s.eligible[t] if k in kset)
        if not crews:
            crews = frozenset({s.route_of[t]})
        start = s.ws[t]
        end = s.we[t] if s.we[t] < BIG_TIME else None
        for f, sec, _ in s.links[t] if s.has_links[t] else ():
            # a `before` pair on this day: keep each side on its side of the partner's current times, which
            # already hold the rule, so whatever PyVRP does with both of them the pair stays in order
            x = sec if f == t else f
            kx = s.route_of[x]
            if kx < 0 or s.crewdays[kx].day != day:
                continue
            if f == t:
                end = s.start_of[x] if end is None else min(end, s.start_of[x])
            else:
                start = max(start, s.end_of[x])
        if end is not None:
            # PyVRP does not see breaks and the simulator takes them first, so a window that ends after a
            # break may open must leave room for it
            end -= max(sum(b[2] for b in s.crewdays[k].breaks if b[0] < end) for k in crews)
        closed = s.closed[t].get(day) if s.closed[t] else None
        window = open_stretch(start, end, s.service_s[t], closed) or (start, end)
        tasks.append(DayTask(
            key=t, location=s.loc[t], duration_s=s.service_s[t], crews=crews, volume_l=s.vol[t],
            earliest_start_s=window[0], latest_end_s=window[1], prize=s.penalty[t],
            required=s.route_of[t] >= 0 and (s.urgent[t] or s.fixed[t]),
        ))
    crews_in = []
    for k in ks:
        cd = s.crewdays[k]
        end_s = cd.shift_end_s - sum(b[2] for b in cd.breaks)
        overtime_s = cd.limit_s - cd.shift_end_s
        if not offer_all and not s.working_only:
            # PyVRP does not see the week's fairness: a crew-day may grow only a little beyond its length now,
            # or PyVRP would pile the day's work on the fewest crews and unbalance their weeks
            cap_s = cd.start_s + int(s.route_hours[k] * 3600) + WEEK_DAY_SLACK_S
            end_s = min(end_s, cap_s)
            overtime_s = max(0, min(overtime_s, cap_s - end_s))
        crews_in.append(DayCrew(
            key=k, depot=cd.depot, start_s=cd.start_s, end_s=end_s, overtime_s=overtime_s,
            capacity_l=cd.capacity_l, cost_per_hour=cd.cost_per_hour, cost_per_km=cd.cost_per_km,
            overtime_multiplier=cd.overtime_multiplier, fixed_cost=cd.fixed_cost,
        ))
    member_of = {x: rep for rep, group in bundles.items() for x in group}
    initial = {k: list(dict.fromkeys(member_of.get(t, t) for t in s.routes[k])) for k in ks}
    return tasks, crews_in, initial, bundles


def _bundleable(s: _Search, t: int, day: int) -> bool:
    """A task that can travel inside a bundle: no time of day, no closed period that day, no link, not pinned."""
    return not s.fixed[t] and not s.has_links[t] and s.ws[t] == 0 and s.we[t] >= BIG_TIME \
        and not (s.closed[t] and s.closed[t].get(day))


def _adopt_day(s: _Search, day: int, ks: list[int], new_routes: dict[int, list[int]]) -> bool:
    """Put PyVRP's routes into the plan if the exact simulator accepts them and the objective drops.

    A route the simulator rejects (a break, a tip or a `before` link PyVRP could not see) gives its tasks back
    to the engine's insertion; the whole day is undone unless every route of the day is then feasible, every
    link holds, no urgent task is lost, no pinned task moves, and the plan costs less than before."""
    kset = set(ks)
    placed = [t for seq in new_routes.values() for t in seq]
    if len(placed) != len(set(placed)) or any(k not in kset for k in new_routes):
        return False
    for k, seq in new_routes.items():
        for t in seq:
            if s.fixed[t] and s.route_of[t] != k:
                return False
            if not s.fixed[t] and k not in s.eligible[t]:
                return False
            if s.route_of[t] >= 0 and s.route_of[t] not in kset:
                return False
    before = s.objective()
    urgent_before = sum(1 for t in range(s.n) if s.urgent[t] and s.route_of[t] >= 0)
    snap = s.snapshot()
    was_on_day = [t for k in ks for t in s.routes[k]]
    fixed_here = [t for t in was_on_day if s.fixed[t]]
    for k in ks:
        if s.routes[k]:
            s._set_route(k, [], s._simulate(k, []))  # type: ignore[arg-type]
    live = {k for k in ks if new_routes.get(k)}
    for _ in range(4):  # until the times settle: a linked task waits for its partner in another route
        changed = False
        for k in sorted(live):
            seq = new_routes[k]
            sim = s._simulate(k, seq)
            if sim is None:
                live.discard(k)
                if s.routes[k]:
                    s._set_route(k, [], s._simulate(k, []))  # type: ignore[arg-type]
                changed = True
            elif s.routes[k] != seq or sim.starts != [s.start_of[t] for t in seq] \
                    or sim.ends != [s.end_of[t] for t in seq]:
                s._set_route(k, seq, sim)
                changed = True
        if not changed:
            break
    else:
        s.restore(snap)
        return False
    if any(s.route_of[t] < 0 for t in fixed_here):
        s.restore(snap)
        return False
    leftovers = [t for t in set(was_on_day) | set(placed) if s.route_of[t] < 0 and s.eligible[t]]
    leftovers.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.eligible[t])))
    for t in leftovers:
        if t in was_on_day or s.urgent[t]:
            s.insert(t)
    s.refresh_dependents(kset)
    # PyVRP saw neither the week's fairness nor a place's together group: a pass of the engine's relocate over
    # the day's tasks settles those before the day is judged
    movable = [t for k in ks for t in s.routes[k] if not s.fixed[t]]
    s.rng.shuffle(movable)
    for t in movable:
        s.relocate(t)
    day_ks = [k for k, cd in enumerate(s.crewdays) if cd.day == day and s.routes[k]]
    sound = all(s._simulate(k, s.routes[k]) is not None for k in day_ks)
    sound = sound and s._links_ok([t for k in day_ks for t in s.routes[k]])
    sound = sound and sum(1 for t in range(s.n) if s.urgent[t] and s.route_of[t] >= 0) >= urgent_before
    if sound and s.objective() < before - 1e-6:
        return True
    s.restore(snap)
    return False


def _urgent_last_word(s: _Search) -> None:
    """Every position of every able crew-day for urgent work left out, ejecting lesser work if need be."""
    for t in range(s.n):
        if s.urgent[t] and s.route_of[t] < 0 and s.eligible[t]:
            if not s.insert(t, exhaustive=True):
                s.eject_for(t)


def _construct(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None,
               report: Progress, seed: int, t0: float) -> tuple[_Search, bool, bool, set[int]]:
    """Locks, pins, then every task by cheapest insertion, then urgent work by any means.
    Returns the search, whether it was built to the end, whether the user stopped it, the tasks tried."""
    should_stop = _Phase(time_limit_s, stop)
    s = _Search(problem, seed)

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
    _eligibility(s)
    for t in locked_tasks:
        s.reason.pop(t, None)
    # pins: into their crew-day, best position
    for pin in problem.pins:
        t = s.task_index.get(pin.task)
        k = s.cd_index.get((pin.crew, pin.day))
        if t is None or s.route_of[t] >= 0:
            continue
        if k is None or not s.crewdays[k].open or s.crewdays[k].locked:
            s.reason[t] = "it is pinned to a crew-day that is not worked"
            continue
        if k not in s.eligible[t]:
            s.reason[t] = (s.reason.get(t) or "it is pinned to a crew-day that cannot do it "
                           "(skill, equipment, due day or shift)")
            continue
        saved = s.eligible[t]
        s.eligible[t] = [k]
        if s.insert(t, exhaustive=True):
            s.fixed[t] = True
            s.reason.pop(t, None)
        else:
            s.reason[t] = "it is pinned to a crew-day where it does not fit"
        s.eligible[t] = saved
    report(s.objective(), time.perf_counter() - t0, "pins and locks placed")

    # construction: urgent, routine, optional; tightest window and fewest crew-days first
    todo = [t for t in range(s.n) if s.route_of[t] < 0 and t not in s.reason]
    todo.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.eligible[t]), -s.service_s[t]))
    attempted: set[int] = set()
    for t in todo:
        if should_stop(math.inf):
            break
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


def _improve(s: _Search, time_limit_s: float, stop: StoppingCriterion | None, report: Progress,
             t0: float) -> str:
    """Improve a built plan until the stopping criterion or until moves stop paying; returns the status."""
    should_stop = _Phase(time_limit_s, stop)
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
        if s.working_only and it % ELIMINATE_EVERY == 0:
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
    _urgent_last_word(s)
    return status


def _split_by_depot(problem: PlanningProblem) -> list[PlanningProblem]:
    """One problem per depot: its crews, and the tasks nearest to it that its crews can do (linked tasks and
    a place's together group stay in one part)."""
    parent = list(range(len(problem.tasks)))
    index = {t.id: i for i, t in enumerate(problem.tasks)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: str, b: str) -> None:
        if a in index and b in index:
            parent[find(index[a])] = find(index[b])

    for b in problem.before:
        union(b.first, b.second)
    for w in problem.within:
        union(w.first, w.second)
    for g in problem.together:
        for x in g.tasks[1:]:
            union(g.tasks[0], x)
    crews_at: dict[int, list] = defaultdict(list)
    for c in problem.crews:
        crews_at[c.depot_location].append(c)
    depots = sorted(crews_at)
    crew_depot = {c.id: c.depot_location for c in problem.crews}
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(problem.tasks)):
        components[find(i)].append(i)
    pinned = {p.task: crew_depot.get(p.crew) for p in problem.pins}
    pinned |= {x: crew_depot.get(lk.crew) for lk in problem.locks for x in lk.tasks}
    dur = problem.travel.duration_s
    absent = set(problem.absent)
    room = {
        d: SPLIT_WORK_SHARE * sum(
            (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks))
            * sum(1 for day in range(problem.days) if day not in c.days_off and (c.id, day) not in absent)
            for c in crews_at[d]
        )
        for d in depots
    }
    load = {d: 0.0 for d in depots}
    part_of: dict[int, int] = {}
    choices: list[tuple[float, list[int], list[int], float]] = []
    for members in components.values():
        forced = [pinned[problem.tasks[i].id] for i in members if problem.tasks[i].id in pinned]
        work = float(sum(problem.tasks[i].duration_s for i in members))
        if forced and forced[0] is not None:
            load[forced[0]] += work
            for i in members:
                part_of[i] = forced[0]
            continue
        score = {}
        for d in depots:
            able = sum(1 for i in members if any(
                problem.tasks[i].skill in c.skills
                and (not problem.tasks[i].equipment or problem.tasks[i].equipment in c.equipment)
                and c.capacity_l >= problem.tasks[i].volume_l for c in crews_at[d]))
            score[d] = (-able, sum(int(dur[d, problem.tasks[i].location]) for i in members))
        ranked = sorted(depots, key=score.__getitem__)
        # only depots able to do as much of it as the best; how much the choice matters: the extra travel of
        # the second choice per second of work (inf when no other depot can do as much)
        ranked = [d for d in ranked if score[d][0] == score[ranked[0]][0]]
        regret = (score[ranked[1]][1] - score[ranked[0]][1]) / max(work, 1.0) if len(ranked) > 1 else math.inf
        choices.append((regret, ranked, members, work))
    # Nearest depot first, but not past what its crews can do: a depot's crews were given every task nearer
    # to them than to another depot, so a week whose work lies mostly near one depot left that depot's crews
    # 200 tasks short while the other's worked two-hour days. Tasks that care most about their depot (the
    # largest extra travel elsewhere per hour of work) choose first.
    choices.sort(key=lambda c: -c[0])
    for _regret, ranked, members, work in choices:
        choice = next((d for d in ranked if load[d] + work <= room[d]), ranked[0])
        load[choice] += work
        for i in members:
            part_of[i] = choice
    parts = []
    for d in depots:
        ids = {problem.tasks[i].id for i in range(len(problem.tasks)) if part_of[i] == d}
        crew_ids = {c.id for c in crews_at[d]}
        parts.append(PlanningProblem(
            tasks=tuple(t for t in problem.tasks if t.id in ids),
            crews=tuple(crews_at[d]),
            travel=problem.travel,
            days=problem.days,
            day_labels=problem.day_labels,
            tips=problem.tips,
            before=tuple(b for b in problem.before if b.first in ids),
            within=tuple(w for w in problem.within if w.first in ids),
            together=tuple(g for g in problem.together if g.tasks and g.tasks[0] in ids),
            closed=tuple(c for c in problem.closed if c.task in ids),
            pins=tuple(p for p in problem.pins if p.task in ids and p.crew in crew_ids),
            locks=tuple(lk for lk in problem.locks if lk.crew in crew_ids),
            absent=frozenset(a for a in problem.absent if a[0] in crew_ids),
            previous_crew_of_place=problem.previous_crew_of_place,
            names=problem.names,
        ))
    return [p for p in parts if p.tasks]


def _solve_by_depot(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None,
                    report: Progress, seed: int) -> PlanResult:
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    cancelled = False
    status = "feasible"
    parts = _split_by_depot(problem)
    total = sum(len(p.tasks) for p in parts)
    solver = SOLVER_NAME
    built: list[tuple[PlanningProblem, _Search]] = []
    attempted_all: set[str] = set()
    for n, part in enumerate(parts):
        def relay(best: float, elapsed: float, message: str, n: int = n) -> None:
            report(best, time.perf_counter() - t0, f"depot {n + 1} of {len(parts)}: {message}")

        sub, complete, user_stopped, attempted = _construct(
            part, deadline - time.perf_counter(), stop, relay, seed + n, t0)
        built.append((part, sub))
        attempted_all |= {part.tasks[t].id for t in attempted}
        if user_stopped or not complete:
            cancelled = user_stopped
            status = "cancelled" if user_stopped else "time limit"
            break
    if status == "feasible":
        report(sum(sub.objective() for _, sub in built), time.perf_counter() - t0, "first plan built")
        for n, (part, sub) in enumerate(built):
            share = (deadline - time.perf_counter()) * 0.9 * len(part.tasks) / max(1, total)
            total -= len(part.tasks)

            def relay2(best: float, elapsed: float, message: str, n: int = n) -> None:
                report(best, time.perf_counter() - t0, f"depot {n + 1} of {len(parts)}: {message}")

            sub_status, solver = _improve_routing(sub, share, stop, relay2, t0, seed + n)
            if sub_status == "cancelled":
                cancelled = True
                status = "cancelled"
                break
    planned: list[tuple[str, int, list[str]]] = []
    for part, sub in built:
        for k, seq in enumerate(sub.routes):
            if seq:
                cd = sub.crewdays[k]
                planned.append((cd.crew_id, cd.day, [part.tasks[t].id for t in seq]))
    # join the depots' weeks, then give what was left out a chance with every crew
    s = _Search(problem, seed)
    for _ in range(2):  # twice: linked tasks wait for partners placed later in the first pass
        for crew_id, day, ids in planned:
            k = s.cd_index[(crew_id, day)]
            seq = [s.task_index[x] for x in ids]
            sim = s._simulate(k, seq) or s._simulate(k, seq, strict=False)
            s._set_route(k, seq, sim)  # type: ignore[arg-type]
    for pin in problem.pins:
        t = s.task_index.get(pin.task)
        if t is not None and s.route_of[t] >= 0:
            s.fixed[t] = True
    for k, cd in enumerate(s.crewdays):
        if cd.locked:
            for t in s.routes[k]:
                s.fixed[t] = True
    _eligibility(s)
    if not cancelled:
        left = [t for t in range(s.n) if s.route_of[t] < 0 and s.eligible[t]]
        left.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.eligible[t])))
        for t in left:
            # past the deadline only work that must not wait (urgent, or routine due now) is still placed:
            # a depot whose crews could not take all its work hands it here, and dropping it for want of a
            # second left 49 routine tasks out of a rota week the crews could hold
            if time.perf_counter() > deadline and not s.urgent[t] and s.penalty[t] < PENALTY_KEEP:
                continue
            if not s.insert(t) and s.urgent[t] and not s.insert(t, exhaustive=True):
                s.eject_for(t)
    report(s.objective(), time.perf_counter() - t0, "depots joined")
    result = _result(s, status, None if status == "feasible" else
                     {i for i, t in enumerate(problem.tasks) if t.id in attempted_all},
                     solver.split(" (")[0] + f"; planned depot by depot ({len(parts)} depots)")
    report(result.cost, time.perf_counter() - t0, f"done: {status}")
    return result


def _release_figures(s: _Search) -> dict:
    """Crews a supervisor could release: per day, crews free to work that day that the plan does not use;
    for the week, crews free to work some day of it that the plan never uses."""
    days = s.p.days
    able = [set() for _ in range(days)]
    used = [set() for _ in range(days)]
    for k, cd in enumerate(s.crewdays):
        if cd.open:
            able[cd.day].add(cd.crew)
        if s.routes[k] or cd.locked:
            used[cd.day].add(cd.crew)
    by_day = [len(able[d] - used[d]) for d in range(days)]
    week_able = set().union(*able) if able else set()
    week_used = set().union(*used) if used else set()
    released = sorted(week_able - week_used)
    return {
        "crew_days": sum(len(u) for u in used),
        "crews_released_by_day": by_day,
        "crew_days_released": sum(by_day),
        "crews_released_week": len(released),
        "crews_released": [s.p.crews[c].id for c in released],
    }


def _result(s: _Search, status: str, attempted: set[int] | None, solver: str = SOLVER_NAME) -> PlanResult:
    p = s.p
    routes = []
    hours = km = overtime = 0.0
    visits = 0
    op_cost = 0.0
    for k, seq in enumerate(s.routes):
        cd = s.crewdays[k]
        if not seq and not cd.locked:
            continue
        sim = s._simulate(k, seq, record=True) or s._simulate(k, seq, record=True, strict=False)
        assert sim is not None
        ret = sim.return_s if seq else cd.start_s
        routes.append(Route(cd.crew_id, cd.day, cd.start_s, ret, sim.distance_m, tuple(sim.stops)))
        hours += (ret - cd.start_s) / 3600.0
        overtime += max(0, ret - cd.shift_end_s) / 3600.0
        km += sim.distance_m / 1000.0
        visits += len(seq)
        op_cost += sim.cost
    unplanned = []
    for i, t in enumerate(p.tasks):
        if s.route_of[i] >= 0:
            continue
        reason = s.reason.get(i)
        if reason is None:
            if attempted is not None and i not in attempted:
                reason = "planning was stopped before this task could be placed"
            elif any(s.route_of[f] >= 0 for f, sec, _ in s.links[i] if sec == i) or \
                    any(s.route_of[x] >= 0 for f, x, _ in s.links[i] if f == i):
                reason = "no room that also keeps its co-ordination rule with a linked task"
            else:
                reason = "no room: the crews able to do it are fully booked on the days it is due"
        unplanned.append((t.id, reason))
    unplanned_ids = {u for u, _ in unplanned}
    index = {t.id: t for t in p.tasks}
    working = [h for h in s.crew_hours if h > 1e-9] if s.working_only else s.crew_hours
    kpis = {
        "crew_hours": round(hours, 3),
        "travel_km": round(km, 3),
        "overtime_h": round(overtime, 3),
        "visits": visits,
        "unplanned": len(unplanned),
        "unplanned_urgent": sum(1 for u in unplanned_ids if index[u].urgent),
        "forecast_failures": sum(1 for u in unplanned_ids if 0 <= index[u].latest_day <= p.days - 1),
        "cost": round(op_cost, 2),
        "together_split": sum(len(c) - 1 for c in s.group_count if len(c) > 1),
        "crew_hours_spread": round(max(working) - min(working), 3) if working else 0.0,
        "solver": solver,
    } | _release_figures(s)
    return PlanResult(
        routes=tuple(routes),
        unplanned=tuple(unplanned),
        cost=round(s.objective(), 3),
        kpis=kpis,
        solver=solver,
        travel_source=p.travel.source,
        status=status,
        explanations=_explanations(p, unplanned),
    )
