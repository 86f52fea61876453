"""The exact schedule of one crew-day: times along a route, or None when a hard rule breaks.

Why one simulator: every rule the week holds (windows, several closed periods, floating breaks, unload trips
to the best tip that takes the load on board and is open, `before` links across routes, shift end plus
overtime) is checked here, so every plan the search holds is feasible at every moment; that makes the engine
anytime and safe to cancel.

A split-body vehicle (a recycling body and a food pod) keeps a load per compartment: a collection's load goes
into the compartment that takes its stream (`ProblemCrew.compartment_for`), the crew tips when that
compartment would overflow, and a tip empties every compartment whose streams it takes (one that it does not
take keeps its load for another tip); no compartment ever overflows. A one-body vehicle is one compartment
of its whole capacity, so it tips exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from envservices.planning.problem import RouteStop


@dataclass
class Sim:
    cost: float
    return_s: int
    distance_m: int
    starts: list[int]
    ends: list[int]
    stops: list[RouteStop] = field(default_factory=list)


def _unload(loads: list[int], aboard: list[int], c: int, j: int, open_today: int) -> None:
    """Tip j empties compartment c (it was chosen for it) and every other compartment whose streams it
    takes; a compartment it does not take keeps its load for another tip."""
    for d, load in enumerate(loads):
        if d == c or (load and aboard[d] >> j & 1):
            loads[d] = 0
            aboard[d] = open_today


class ScheduleMixin:
    """The simulator half of `engine.state.Search` (it reads the search's arrays, changes nothing)."""

    def _simulate(self, k: int, seq: list[int], record: bool = False, strict: bool = True) -> Sim | None:
        """Times along the route, or None when a hard rule breaks (strict). Not strict: times all the same."""
        cd = self.crewdays[k]
        if not seq:
            return Sim(0.0, cd.start_s, 0, [], [])
        locs = [cd.depot] + [self.loc[t] for t in seq] + [cd.depot]
        arr = np.asarray(locs, dtype=np.int64)
        legs_s = self.dur_s[arr[:-1], arr[1:]].tolist()
        legs_m = self.dist_m[arr[:-1], arr[1:]].tolist()
        day = cd.day
        caps = cd.capacities
        comp = self.comp_of[cd.crew]  # the compartment each task's load goes into; None: one body
        pending = list(cd.breaks)
        in_seq = set(seq) if any(self.preds[t] for t in seq) else None
        now = cd.start_s
        loads = [0] * len(caps)
        dist = 0
        cur = cd.depot
        starts = [0] * len(seq)
        ends = [0] * len(seq)
        stops: list[RouteStop] = []
        tips = self.tips
        tip_ok = self.tip_ok
        open_today = self.tip_open[day] if tips else 0
        # per compartment, the open tips that take every stream in it (a full mask when it is empty)
        aboard = [open_today] * len(caps)
        for i, t in enumerate(seq):
            v = self.vol[t]
            c = comp[t] if comp is not None else 0
            if c < 0:  # no compartment of this split body takes its stream (eligibility keeps it away)
                if strict:
                    return None
                c = 0
            travel = legs_s[i]
            tdist = legs_m[i]
            lt = locs[i + 1]
            # unload first when its compartment is full, or when no open tip would take this load on top of
            # what that compartment holds
            mixed = tip_ok is not None and loads[c] > 0 and not aboard[c] & tip_ok[t]
            if loads[c] + v > caps[c] or mixed:
                if not tips or v > caps[c]:
                    if strict:
                        return None
                else:
                    j = self._best_tip(cur, lt, aboard[c], now)
                    if j < 0:
                        if strict:
                            return None
                        j = self._best_tip(cur, lt)
                    now = self._tip_visit(j, cur, now, pending, stops, record, strict)
                    if now < 0:
                        return None
                    dist += self.to_tip_m[cur][j]
                    _unload(loads, aboard, c, j, open_today)
                    cur = tips[j].location
                    travel = self.from_tip_s[lt][j]
                    tdist = self.from_tip_m[lt][j]
            if tip_ok is not None:
                aboard[c] &= tip_ok[t]
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
            loads[c] += v
            dist += tdist
            cur = lt
            starts[i] = st
            ends[i] = now
            if record:
                stops.append(RouteStop("task", lt, arrive, st, now, task=self.p.tasks[t].id))
        travel = legs_s[-1]
        tdist = legs_m[-1]
        # the day ends empty: a tip for the first compartment still holding a load, until none does (one
        # visit for a one-body vehicle; a split body's tip empties every compartment whose streams it takes)
        while tips and any(loads):
            c = next(x for x, load in enumerate(loads) if load > 0)
            j = self._best_tip(cur, cd.depot, aboard[c], now)
            if j < 0:
                if strict:
                    return None
                j = self._best_tip(cur, cd.depot)
            now = self._tip_visit(j, cur, now, pending, stops, record, strict)
            if now < 0:
                return None
            dist += self.to_tip_m[cur][j]
            _unload(loads, aboard, c, j, open_today)
            cur = tips[j].location
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
        return Sim(cost, ret, dist, starts, ends, stops)

    def _tip_visit(self, j: int, cur: int, now: int, pending: list, stops: list, record: bool,
                   strict: bool) -> int:
        """Drive from `cur` to tip j and unload, taking any break due first; the time after unloading, or -1
        when a break is missed or the tip closes first (strict). Mid-route and at the day's end alike."""
        tp = self.tips[j]
        to_tip = self.to_tip_s[cur][j]
        now = self._breaks_before(pending, now, now + to_tip + tp.unload_s, cur, stops, record, strict)
        if now < 0:
            return -1
        arrive = now + to_tip
        st = max(arrive, tp.open_s)
        if st + tp.unload_s > tp.close_s and strict:
            return -1
        if record:
            stops.append(RouteStop("tip", tp.location, arrive, st, st + tp.unload_s, tip=tp.id))
        return st + tp.unload_s

    def _best_tip(self, cur: int, nxt: int, allowed: int = -1, now: int | None = None) -> int:
        """The tip among `allowed` (a bit mask; -1 all) that gets the crew from `cur` to `nxt` soonest,
        waiting for it to open and skipping one that would close before the unloading ends (when `now` is
        known); -1 when no allowed tip will do. Breaks are left to `_tip_visit`."""
        to = self.to_tip_s[cur]
        back = self.from_tip_s[nxt]
        best, best_j = None, -1
        for j, tp in enumerate(self.tips):
            if not allowed >> j & 1:
                continue
            if now is None:
                c = to[j] + tp.unload_s + back[j]
            else:
                st = max(now + to[j], tp.open_s)
                if st + tp.unload_s > tp.close_s:
                    continue
                c = st + tp.unload_s + back[j]
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

