"""The search's moves: relocate, 2-opt, pair repair, ejection for urgent work, emptying a crew-day.

Each move is kept only if the objective drops and the simulator and the links accept it; otherwise the routes
it touched are put back, so the plan the search holds stays feasible.
"""

from __future__ import annotations

import numpy as np


class MovesMixin:
    """The moves half of `engine.state.Search`."""

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
        partners = self.partners(t)
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
            if not ok and (self.urgent[t] or self.penalty[t] >= self.params.penalty_keep):
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


