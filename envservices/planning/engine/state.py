"""The state of one search: routes per crew-day, task positions and times, and the objective's parts.

The objective: crew hours x cost per hour (overtime at the overtime multiplier) + km x cost per km + a fixed
cost per crew-day used + the penalty of each task left out + a fairness term (the squared deviation of each
crew's weekly hours from the mean; among the crews that work when crew-days cost something) + a stability
term for each task done by a crew other than its place's previous team + a term for each extra crew-day a
place's due tasks are split over (`together`, a soft rule).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from envservices.planning.day_routing import DayTip
from envservices.planning.engine.compartments import compartments_of
from envservices.planning.engine.moves import MovesMixin
from envservices.planning.engine.schedule import ScheduleMixin, Sim
from envservices.planning.params import BIG_TIME, SolveParams
from envservices.planning.problem import PlanningProblem


@dataclass
class CrewDay:
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
    capacities: tuple[int, ...] = ()  # litres per compartment; (capacity_l,) for a one-body vehicle


class Search(ScheduleMixin, MovesMixin):
    """The state of one search: routes per crew-day, task positions and times, and the objective's parts."""

    def __init__(self, problem: PlanningProblem, seed: int, params: SolveParams | None = None) -> None:
        self.params = params or SolveParams()
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
        # which tips may take each task's load, and which open each day, as bit masks (bit j = tip j); None
        # when every tip takes everything every day, and the simulator then chooses among all of them
        self.all_tips = (1 << len(self.tips)) - 1
        self.tip_ok: list[int] | None = None
        self.tip_open: list[int] = [self.all_tips] * problem.days
        if any(tp.streams or tp.closed_days for tp in self.tips):
            masks: dict[str | None, int] = {}
            for t in tasks:
                if t.stream not in masks:
                    masks[t.stream] = sum(1 << j for j in problem.tips_taking(t.stream))
            self.tip_ok = [masks[t.stream] if t.volume_l > 0 else self.all_tips for t in tasks]
            self.tip_open = [sum(1 << j for j, tp in enumerate(self.tips) if d not in tp.closed_days)
                             for d in range(problem.days)]
        # links: (first, second, max_days); same day means first ends before second starts
        self.links: list[list[tuple[int, int, int]]] = [[] for _ in tasks]
        for b in problem.before:
            self._add_link(b.first, b.second, 0)
        for w in problem.within:
            self._add_link(w.first, w.second, w.max_days)
        # day rules: 'after' (a second task 1..max_days after one of its firsts' days) and 'apart' (never the
        # same day); they bind days only, so the same-day clock logic of the links above never sees them
        self.after_of: list[list[tuple[tuple[int, ...], int]]] = [[] for _ in tasks]  # second -> (firsts, max)
        self.after_seconds: list[list[int]] = [[] for _ in tasks]  # first -> seconds that follow it
        for a in problem.after:
            sec = self.task_index.get(a.second)
            firsts = tuple(f for f in (self.task_index.get(x) for x in a.firsts) if f is not None and f != sec)
            if sec is None or not firsts:
                continue
            self.after_of[sec].append((firsts, a.max_days))
            for f in firsts:
                self.after_seconds[f].append(sec)
        self.apart: list[list[int]] = [[] for _ in tasks]
        for ap in problem.apart:
            f, sec = self.task_index.get(ap.first), self.task_index.get(ap.second)
            if f is not None and sec is not None and f != sec:
                self.apart[f].append(sec)
                self.apart[sec].append(f)
        self.has_day_rules = [bool(self.after_of[i] or self.after_seconds[i] or self.apart[i]) for i in range(self.n)]
        self.has_links = [bool(x) or self.has_day_rules[i] for i, x in enumerate(self.links)]
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
        self.crewdays: list[CrewDay] = []
        self.cd_index: dict[tuple[str, int], int] = {}
        locked = {(lk.crew, lk.day) for lk in problem.locks}
        for ci, c in enumerate(problem.crews):
            for d in range(problem.days):
                k = len(self.crewdays)
                cd = CrewDay(
                    index=k, crew=ci, crew_id=c.id, day=d, depot=c.depot_location, start_s=c.shift_start_s,
                    shift_end_s=c.shift_end_s, limit_s=c.shift_end_s + c.overtime_s, capacity_l=c.capacity_l,
                    breaks=tuple(sorted((b.earliest_s, b.latest_s, b.duration_s) for b in c.breaks)),
                    cost_per_hour=c.cost_per_hour, cost_per_km=c.cost_per_km,
                    overtime_multiplier=c.overtime_multiplier, fixed_cost=c.day_cost,
                    open=(d not in c.days_off and (c.id, d) not in problem.absent),
                    locked=(c.id, d) in locked, capacities=c.capacities,
                )
                self.crewdays.append(cd)
                self.cd_index[(c.id, d)] = k
        self.n_crews = len(problem.crews)
        self.comp_of = compartments_of(problem)  # per crew: each task's compartment (None: one body)
        # fairness is priced in crew time: crews that cost nothing per hour (a distance-only benchmark) have
        # no hours to balance, so the term must not outweigh their kilometres
        mean_rate = sum(c.cost_per_hour for c in problem.crews) / max(1, self.n_crews)
        # with a fixed cost per crew-day the plan is to use few crew-days well: fairness among working crews
        self.working_only = any(c.day_cost > 0 for c in problem.crews)
        weight = self.params.working_balance_weight if self.working_only else self.params.balance_weight
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

    # ------------------------------------------------------------------ state changes and objective parts
    def _set_route(self, k: int, seq: list[int], sim: Sim) -> None:
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
            cost += self.params.stability_weight
        g = self.group_of[t]
        if g >= 0:
            c = self.group_count[g]
            if c and k not in c:
                cost += self.params.together_weight
        return cost

    def _soft_removal(self, t: int, k: int) -> float:
        """Change of the soft terms when task t leaves crew-day k (negative of what it had cost)."""
        cost = 0.0
        pc = self.prev_crew[t]
        if pc >= 0 and pc != self.crewdays[k].crew:
            cost -= self.params.stability_weight
        g = self.group_of[t]
        if g >= 0:
            c = self.group_count[g]
            if c.get(k, 0) == 1 and len(c) > 1:
                cost -= self.params.together_weight
        return cost

    def objective(self) -> float:
        total = sum(self.route_cost) + self._balance()
        for t in range(self.n):
            k = self.route_of[t]
            if k < 0:
                total += self.penalty[t]
            elif self.prev_crew[t] >= 0 and self.prev_crew[t] != self.crewdays[k].crew:
                total += self.params.stability_weight
        for c in self.group_count:
            if len(c) > 1:
                total += self.params.together_weight * (len(c) - 1)
        return total

    def partners(self, t: int) -> set[int]:
        """Every task t is linked with by a rule (before, within, after, apart)."""
        out = {f if s == t else s for f, s, _ in self.links[t]}
        out.update(self.apart[t], self.after_seconds[t])
        for firsts, _ in self.after_of[t]:
            out.update(firsts)
        out.discard(t)
        return out

    def _day_of(self, t: int) -> int | None:
        k = self.route_of[t]
        return self.crewdays[k].day if k >= 0 else None

    def _day_rules_ok(self, t: int, day: int, partner_days: bool = False) -> bool:
        """Would t on `day` keep its 'after' and 'apart' rules (partners where they are now)? With
        `partner_days`, an 'after' whose firsts are not planned yet must still be reachable from a day
        they could be done on."""
        for o in self.apart[t]:
            if self._day_of(o) == day:
                return False
        for firsts, max_days in self.after_of[t]:
            planned = [d for d in (self._day_of(f) for f in firsts) if d is not None]
            if planned:
                if not any(1 <= day - d <= max_days for d in planned):
                    return False
            elif partner_days:
                could = [d for f in firsts for d in self.elig_days[f]]
                if could and not any(1 <= day - d <= max_days for d in could):
                    return False
        for sec in self.after_seconds[t]:
            ds = self._day_of(sec)
            if ds is None:
                continue
            for firsts, max_days in self.after_of[sec]:
                if t not in firsts:
                    continue
                days = [day] + [d for d in (self._day_of(f) for f in firsts if f != t) if d is not None]
                if not any(1 <= ds - d <= max_days for d in days):
                    return False
        return True

    def _links_ok(self, tasks: list[int]) -> bool:
        for t in tasks:
            if not self.has_links[t]:
                continue
            if self.has_day_rules[t]:
                day = self._day_of(t)
                if day is not None and not self._day_rules_ok(t, day):
                    return False
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
        if self.has_day_rules[t] and not self._day_rules_ok(t, day, partner_days):
            return False
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
                       tries: int | None = None, exhaustive: bool = False,
                       removal_crew: tuple[int, float] | None = None, partner_days: bool = False
                       ) -> tuple[float, int, list[int], Sim] | None:
        """Cheapest feasible (delta, crew-day, new sequence, times) for task t, or None.

        `override` replaces some routes' sequences (a move's removal side); `removal_crew` is the crew hour
        change of that removal, so the fairness term of the whole move is counted exactly."""
        tries = tries or self.params.insertion_tries
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
        best: tuple[float, int, list[int], Sim] | None = None
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

    def insert(self, t: int, tries: int | None = None, exhaustive: bool = False) -> bool:
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

