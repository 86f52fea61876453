"""The days' routes by PyVRP: each day's tasks across that day's crews, kept only where the exact simulator
accepts every route, every link holds, no urgent or pinned work is lost and the objective drops.

See `day_routing.route_day` for what PyVRP sees; here is what the engine offers it and how it judges it.
A split-body crew-day is routed by PyVRP too, with one load dimension per compartment
(`engine.compartments.LoadDimensions`); the simulator then re-times it and tips when a compartment is full.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import time
from collections import defaultdict

from envservices.planning.callbacks import Progress
from envservices.planning.day_routing import DayCrew, DayTask, open_stretch, route_day
from envservices.planning.engine.compartments import LoadDimensions
from envservices.planning.engine.state import Search
from envservices.planning.params import BIG_TIME
from envservices.planning.stop import StoppingCriterion

TRIM_MAX = 12  # tasks taken off the end of a PyVRP route the simulator finds too long (see _trimmed)
BUNDLE_MAX_S = 2 * 3600  # longest visit a place's together tasks make for PyVRP (see _chunks)


def pyvrp_version() -> str:
    """PyVRP's version, or "" when it is not installed (the engine then routes alone)."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return ""
    try:
        return importlib.metadata.version("pyvrp")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


def pyvrp_days(s: Search, time_s: float, stop: StoppingCriterion | None, report: Progress, t0: float,
                seed: int, whole_day: bool) -> tuple[int, int, bool]:
    """Route each day's tasks across that day's crews with PyVRP and keep a day's routes only where the exact
    simulator accepts every route and the objective drops. Returns (days kept, days tried, cancelled)."""
    deadline = time.perf_counter() + max(0.0, time_s)
    days = sorted({cd.day for cd in s.crewdays if cd.open and not cd.locked})
    inputs = {d: _day_inputs(s, d, offer_all=whole_day) for d in days}
    sizes = {d: len(x[0]) for d, x in inputs.items() if x is not None}
    kept = tried = 0
    asked = Asked(stop)
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
        day_tips = [s.day_tips[j] for j in _open_tips(s, d)]
        routes = route_day(tasks, crews, day_tips, s.dur_s, s.dist_m, slice_s, asked, seed + d,
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


class Asked:
    """The caller's stopping criterion, remembering whether it ever said stop (PyVRP asks it too)."""

    def __init__(self, stop: StoppingCriterion | None) -> None:
        self.stop = stop
        self.said = False

    def __call__(self, best_cost: float) -> bool:
        if not self.said and self.stop is not None and self.stop(best_cost):
            self.said = True
        return self.said


def _day_inputs(s: Search, day: int, offer_all: bool
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
        chunk_of = {t: chunk for group in members.values() for chunk in _chunks(s, group, s.crewdays[k])
                    for t in chunk}
        for t in s.routes[k]:
            chunk = chunk_of.get(t)
            if chunk and len(chunk) > 1:
                if t == chunk[0]:
                    bundles[t] = chunk
                    planned.append(t)
            else:
                planned.append(t)
    left = [t for t in range(s.n) if s.route_of[t] < 0 and not s.fixed[t] and kset.intersection(s.eligible[t])
            and (not s.has_links[t] or s._link_days_ok(t, day))]
    if not offer_all:
        left.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.elig_days[t])))
        left = left[: max(s.params.week_offer_min, len(planned) // 3)]
    dims = LoadDimensions.of_day(s, ks)  # split bodies: a load dimension per compartment; None: one

    def loads(group: list[int]) -> tuple[int, ...]:
        return dims.loads(group) if dims is not None else ()

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
                required=any(s.urgent[x] for x in group), tips=_tips_of(s, day, group), loads=loads(group),
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
            required=s.route_of[t] >= 0 and (s.urgent[t] or s.fixed[t]), tips=_tips_of(s, day, [t]),
            loads=loads([t]),
        ))
    crews_in = []
    for k in ks:
        cd = s.crewdays[k]
        end_s = cd.shift_end_s - sum(b[2] for b in cd.breaks)
        overtime_s = cd.limit_s - cd.shift_end_s
        if not offer_all and not s.working_only:
            # PyVRP does not see the week's fairness: a crew-day may grow only a little beyond its length now,
            # or PyVRP would pile the day's work on the fewest crews and unbalance their weeks
            cap_s = cd.start_s + int(s.route_hours[k] * 3600) + s.params.week_day_slack_s
            end_s = min(end_s, cap_s)
            overtime_s = max(0, min(overtime_s, cap_s - end_s))
        crews_in.append(DayCrew(
            key=k, depot=cd.depot, start_s=cd.start_s, end_s=end_s, overtime_s=overtime_s,
            capacity_l=cd.capacity_l, cost_per_hour=cd.cost_per_hour, cost_per_km=cd.cost_per_km,
            overtime_multiplier=cd.overtime_multiplier, fixed_cost=cd.fixed_cost,
            capacities=dims.capacities(k) if dims is not None else (),
        ))
    member_of = {x: rep for rep, group in bundles.items() for x in group}
    initial = {k: list(dict.fromkeys(member_of.get(t, t) for t in s.routes[k])) for k in ks}
    return tasks, crews_in, initial, bundles


def _open_tips(s: Search, day: int) -> list[int]:
    """The engine's tips (indices) open on this day: the ones PyVRP is given."""
    return [j for j in range(len(s.tips)) if s.tip_open[day] >> j & 1]


def _tips_of(s: Search, day: int, group: list[int]) -> frozenset[int] | None:
    """The day's open tips (indices into `_open_tips`) that take the load of these tasks; None: any tip."""
    if s.tip_ok is None:
        return None
    mask = s.all_tips
    for t in group:
        mask &= s.tip_ok[t]
    return frozenset(i for i, j in enumerate(_open_tips(s, day)) if mask >> j & 1)


def _trimmed(s: Search, k: int, seq: list[int]) -> list[int]:
    """PyVRP's route, less the last few tasks if the exact simulator finds it a little too long. PyVRP
    unloads and takes breaks where it likes; the simulator unloads when the next task would overflow and
    breaks when due, so a full route can come back 5-20 minutes past the shift's end (demo rota week: one or
    two routes a day, and the whole day was then refused)."""
    if not seq or s._simulate(k, seq) is not None:
        return seq
    cut = list(seq)
    for _ in range(TRIM_MAX):
        while cut and s.fixed[cut[-1]]:
            return seq
        cut.pop()
        if not cut or s._simulate(k, cut) is not None:
            return cut
    return seq


def _chunks(s: Search, group: list[int], cd) -> list[list[int]]:
    """A place's tasks in one crew-day cut into visits PyVRP can serve: each no fuller than the vehicle and no
    longer than BUNDLE_MAX_S. PyVRP cannot unload in the middle of a visit, so a whole 100-bin place went to
    it as one client heavier than any vehicle and PyVRP found no feasible day at all (demo rota week,
    day 1)."""
    out: list[list[int]] = [[]]
    comp = s.comp_of[cd.crew]  # a split body: each compartment fills on its own
    volume = [0] * len(cd.capacities)
    duration = 0
    for t in group:
        c = max(0, comp[t]) if comp is not None else 0
        if out[-1] and (volume[c] + s.vol[t] > cd.capacities[c] or duration + s.service_s[t] > BUNDLE_MAX_S):
            out.append([])
            volume = [0] * len(cd.capacities)
            duration = 0
        out[-1].append(t)
        volume[c] += s.vol[t]
        duration += s.service_s[t]
    return out


def _bundleable(s: Search, t: int, day: int) -> bool:
    """A task that can travel inside a bundle: no time of day, no closed period that day, no link, not pinned."""
    return not s.fixed[t] and not s.has_links[t] and s.ws[t] == 0 and s.we[t] >= BIG_TIME \
        and not (s.closed[t] and s.closed[t].get(day))


def _adopt_day(s: Search, day: int, ks: list[int], new_routes: dict[int, list[int]]) -> bool:
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
    new_routes = {k: _trimmed(s, k, seq) for k, seq in new_routes.items()}
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


