"""An independent checker of every hard rule, run on every plan.

It shares no code with the solver on purpose: it re-walks each route from the travel matrix and the problem's
own numbers, so a bug in the solver's schedule cannot hide itself. Each violation is one readable sentence.

The rules, as the whole engine reads them:
- a task's work is [start, start + duration]; it starts no earlier than its window start, ends no later than
  its window end, and overlaps none of its closed periods on that day; its day is inside its due window;
- a crew-day leaves the depot no earlier than shift start and is back by shift end plus allowed overtime;
  between stops there is at least the matrix travel time; nothing on a day off, on an absent crew-day;
- a crew only does tasks it has the skill and the equipment for;
- each break of the crew is taken (a stop of kind 'break' of at least its length, starting inside its window)
  on every worked crew-day that lasts past the break's earliest start;
- load (litres since the last tip) never exceeds the vehicle's capacity; a tip visit lasts its unload time,
  ends by closing time, is on a day the tip opens, and the tip takes every stream on board
  (`PlanningProblem.tips_taking`: residual to the transfer station, food to AD);
- a split-body vehicle (`ProblemCrew.compartments`): each load goes into the compartment that takes its
  stream (a task no compartment takes is a violation), no compartment ever holds more than its litres, and a
  tip empties the compartments whose every stream it takes, the others keep their load (`check_bodies.py`);
- before/within: when both tasks are planned, the second's day is 0..max_days after the first's, and on the
  same day the first ends before the second starts; pins and locks are kept; each task is planned at most once
  and every task is either planned or listed as left out;
- after: when the second task and any of its firsts are planned, the second's day is 1..max_days after the
  day of one of the planned firsts; apart: the two tasks are not planned on the same day;
- no urgent task is left out while some crew-day that could do it (its own, if it is pinned) had room to add
  it at the end of its route.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from envservices.planning.check_bodies import Bodies
from envservices.planning.problem import PlanningProblem, PlanResult, ProblemCrew, ProblemTask, Route, is_lazy

_TOLERANCE_M = 2  # distance rounding allowed between the route's total and the sum of its legs


class _Legs:
    """Seconds and metres of the legs the checker walks: read from the problem's matrix, or, when a county's
    travel is computed on demand, computed for exactly the pairs the plan uses (one pass, before the walk)
    and for the few more the urgent-work check asks about."""

    def __init__(self, problem: PlanningProblem, result: PlanResult, crews: dict[str, ProblemCrew]) -> None:
        self.travel = problem.travel
        self.lazy = is_lazy(problem.travel)
        self.known: dict[tuple[int, int], tuple[int, int]] = {}
        if not self.lazy:
            self.dur, self.dist = problem.travel.duration_s, problem.travel.distance_m
            return
        pairs: set[tuple[int, int]] = set()
        for r in result.routes:
            crew = crews.get(r.crew)
            if crew is None:
                continue
            here = crew.depot_location
            for st in r.stops:
                if st.kind != "break":
                    pairs.add((here, st.location))
                    here = st.location
            pairs.add((here, crew.depot_location))
        self._fetch(pairs)

    def _fetch(self, pairs: set[tuple[int, int]]) -> None:
        todo = [p for p in pairs if p not in self.known]
        if not todo:
            return
        a = np.array([p[0] for p in todo], dtype=np.int64)
        b = np.array([p[1] for p in todo], dtype=np.int64)
        seconds, metres = self.travel.pairs(a, b)
        self.known.update(zip(todo, zip(seconds.tolist(), metres.tolist(), strict=True), strict=True))

    def seconds(self, a: int, b: int) -> int:
        if not self.lazy:
            return int(self.dur[a, b])
        self._fetch({(a, b)})
        return self.known[(a, b)][0]

    def metres(self, a: int, b: int) -> int:
        if not self.lazy:
            return int(self.dist[a, b])
        self._fetch({(a, b)})
        return self.known[(a, b)][1]


def check(problem: PlanningProblem, result: PlanResult) -> list[str]:
    """Every broken hard rule in the result, as sentences; an empty list means the plan is sound."""
    out: list[str] = []
    tasks = {t.id: t for t in problem.tasks}
    crews = {c.id: c for c in problem.crews}
    legs = _Legs(problem, result, crews)
    tips = {tp.id: tp for tp in problem.tips}
    closed: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for c in problem.closed:
        closed[(c.task, c.day)].append((c.start_s, c.end_s))
    placed: dict[str, tuple[str, int, int, int]] = {}  # task -> (crew, day, start, end)
    seen_crew_days: set[tuple[str, int]] = set()
    route_of_crew_day: dict[tuple[str, int], Route] = {}
    for r in result.routes:
        crew = crews.get(r.crew)
        label = f"{r.crew} day {r.day}"
        if crew is None:
            out.append(f"route {label}: crew {r.crew} is not in the problem")
            continue
        if (r.crew, r.day) in seen_crew_days:
            out.append(f"route {label}: the crew has two routes on this day")
        seen_crew_days.add((r.crew, r.day))
        route_of_crew_day[(r.crew, r.day)] = r
        _check_route(problem, legs, r, crew, tasks, tips, closed, placed, out)
    # every task once; every task accounted for
    left_out = {}
    for tid, reason in result.unplanned:
        if tid in left_out:
            out.append(f"task {tid} is listed as left out twice")
        left_out[tid] = reason
        if tid in placed:
            out.append(f"task {tid} is both planned and listed as left out")
        if tid not in tasks:
            out.append(f"task {tid} is listed as left out but is not in the problem")
        if not reason:
            out.append(f"task {tid} is left out without a reason")
    for tid in tasks:
        if tid not in placed and tid not in left_out:
            out.append(f"task {tid} is neither planned nor listed as left out")
    # links
    for b in problem.before:
        _check_link(b.first, b.second, 0, "before", placed, out)
    for w in problem.within:
        _check_link(w.first, w.second, w.max_days, f"within {w.max_days} days", placed, out)
    for a in problem.after:
        got = placed.get(a.second)
        first_days = sorted({placed[f][1] for f in a.firsts if f in placed})
        if got is not None and first_days and not any(1 <= got[1] - d <= a.max_days for d in first_days):
            out.append(f"after {a.max_days} days: task {a.second} is on day {got[1]}, not 1 to {a.max_days} "
                       f"day(s) after a day of {', '.join(a.firsts)} (days {first_days})")
    for ap in problem.apart:
        x, y = placed.get(ap.first), placed.get(ap.second)
        if x is not None and y is not None and x[1] == y[1]:
            out.append(f"apart: tasks {ap.first} and {ap.second} are both on day {x[1]}")
    # pins, locks, absent
    for pin in problem.pins:
        where = placed.get(pin.task)
        if where is not None and (where[0], where[1]) != (pin.crew, pin.day):
            out.append(f"task {pin.task} is pinned to {pin.crew} day {pin.day} but planned for "
                       f"{where[0]} day {where[1]}")
    for lock in problem.locks:
        r = route_of_crew_day.get((lock.crew, lock.day))
        got = tuple(s.task for s in r.stops if s.kind == "task") if r else ()
        if got != tuple(lock.tasks):
            out.append(f"locked crew-day {lock.crew} day {lock.day} was changed: {list(got)} instead of "
                       f"{list(lock.tasks)}")
    # urgent work left out while a crew-day had room for it
    locked_days = {(lk.crew, lk.day) for lk in problem.locks}
    linked = {b.first for b in problem.before} | {b.second for b in problem.before} | \
        {w.first for w in problem.within} | {w.second for w in problem.within} | \
        {f for a in problem.after for f in a.firsts} | {a.second for a in problem.after} | \
        {a.first for a in problem.apart} | {a.second for a in problem.apart}
    pinned_to = {pin.task: (pin.crew, pin.day) for pin in problem.pins}
    for tid in left_out:
        t = tasks.get(tid)
        if t is None or not t.urgent or tid in linked:
            continue
        for crew in problem.crews:
            for day in range(max(0, t.earliest_day), min(problem.days - 1, t.latest_day) + 1):
                if (crew.id, day) in locked_days or (crew.id, day) in problem.absent or day in crew.days_off:
                    continue
                if t.skill not in crew.skills or (t.equipment and t.equipment not in crew.equipment):
                    continue
                if tid in pinned_to and pinned_to[tid] != (crew.id, day):
                    continue  # a pinned task may only be done by its own crew-day
                if _room_at_end(problem, legs, route_of_crew_day.get((crew.id, day)), crew, day, t, tips, closed):
                    out.append(f"urgent task {tid} is left out although {crew.id} had room for it "
                               f"on day {day}")
                    break
            else:
                continue
            break
    return out


def rules_applied(problem: PlanningProblem, result: PlanResult) -> dict[str, int]:
    """How many co-ordination links of each kind bound this plan (both sides planned; for 'after', the
    second and one of its firsts): what `check` then vouches for, so a plan can say its rules held."""
    planned = {s.task for r in result.routes for s in r.stops if s.kind == "task"}
    return {
        "before": sum(1 for b in problem.before if b.first in planned and b.second in planned),
        "within": sum(1 for w in problem.within if w.first in planned and w.second in planned),
        "after": sum(1 for a in problem.after if a.second in planned and any(f in planned for f in a.firsts)),
        "apart": sum(1 for a in problem.apart if a.first in planned and a.second in planned),
    }


def _check_route(problem: PlanningProblem, legs: _Legs, r: Route, crew: ProblemCrew, tasks: dict[str, ProblemTask],
                 tips: dict, closed: dict, placed: dict, out: list[str]) -> None:
    label = f"{r.crew} day {r.day}"
    task_stops = [s for s in r.stops if s.kind == "task"]
    if not 0 <= r.day < problem.days:
        out.append(f"route {label}: day {r.day} is outside the planning week")
    if task_stops and (r.crew, r.day) in problem.absent:
        out.append(f"route {label}: the crew is absent that day but has work")
    if task_stops and r.day in crew.days_off:
        out.append(f"route {label}: the crew's day off but it has work")
    if r.depart_s < crew.shift_start_s:
        out.append(f"route {label}: leaves at {_hm(r.depart_s)}, before the shift starts at "
                   f"{_hm(crew.shift_start_s)}")
    if r.return_s > crew.shift_end_s + crew.overtime_s:
        out.append(f"route {label}: back at {_hm(r.return_s)}, after shift end plus allowed overtime "
                   f"({_hm(crew.shift_end_s + crew.overtime_s)})")
    here = crew.depot_location
    clock = r.depart_s
    load = 0
    aboard: set[str | None] = set()  # the streams collected since the last tip
    body = Bodies(crew) if crew.compartments else None  # a split body: loads per compartment
    total_m = 0
    breaks_taken: list[tuple[int, int]] = []
    for s in r.stops:
        if s.kind == "break":
            if s.location != here:
                out.append(f"route {label}: a break at {_hm(s.start_s)} is away from the last stop")
            if s.start_s < clock:
                out.append(f"route {label}: a break at {_hm(s.start_s)} starts before the previous stop ends")
            if s.end_s < s.start_s:
                out.append(f"route {label}: a break ends before it starts")
            breaks_taken.append((s.start_s, s.end_s))
            clock = max(clock, s.end_s)
            continue
        need = clock + legs.seconds(here, s.location)
        total_m += legs.metres(here, s.location)
        if s.arrive_s < need:
            out.append(f"route {label}: arrives at {_hm(s.arrive_s)} at a stop it cannot reach before "
                       f"{_hm(need)}")
        if s.start_s < s.arrive_s:
            out.append(f"route {label}: starts work at {_hm(s.start_s)} before arriving at {_hm(s.arrive_s)}")
        here = s.location
        if s.kind == "tip":
            tp = tips.get(s.tip)
            if tp is None:
                out.append(f"route {label}: unloads at {s.tip}, which is not a tip")
            else:
                if s.location != tp.location:
                    out.append(f"route {label}: the tip stop {s.tip} is not at the tip's location")
                if s.end_s - s.start_s < tp.unload_s:
                    out.append(f"route {label}: unloading at {s.tip} takes {s.end_s - s.start_s} s, "
                               f"less than {tp.unload_s} s")
                if s.start_s < tp.open_s or s.end_s > tp.close_s:
                    out.append(f"route {label}: unloads at {s.tip} outside its opening hours")
                if r.day in tp.closed_days:
                    out.append(f"route {label}: unloads at {s.tip} on day {r.day}, when it is closed")
                j = next(i for i, x in enumerate(problem.tips) if x.id == s.tip)
                if body is not None:
                    body.unload(problem, j)
                for stream in sorted(aboard, key=str) if body is None else ():
                    if j not in problem.tips_taking(stream):
                        out.append(f"route {label}: unloads {stream or 'street waste'} at {s.tip}, which does not "
                                   f"take it")
            load = 0
            aboard = set()
            clock = s.end_s
            continue
        t = tasks.get(s.task or "")
        if t is None:
            out.append(f"route {label}: task {s.task} is not in the problem")
            clock = s.end_s
            continue
        if t.id in placed:
            out.append(f"task {t.id} is planned twice")
        placed[t.id] = (r.crew, r.day, s.start_s, s.end_s)
        if s.location != t.location:
            out.append(f"task {t.id}: visited at location {s.location}, not at its own {t.location}")
        if s.end_s - s.start_s < t.duration_s:
            out.append(f"task {t.id}: {s.end_s - s.start_s} s of work planned, it needs {t.duration_s} s")
        if t.skill not in crew.skills:
            out.append(f"task {t.id}: crew {r.crew} does not have skill `{t.skill}`")
        if t.equipment and t.equipment not in crew.equipment:
            out.append(f"task {t.id}: crew {r.crew} does not have equipment `{t.equipment}`")
        if not t.earliest_day <= r.day <= t.latest_day:
            out.append(f"task {t.id}: planned on day {r.day}, outside its due days "
                       f"{t.earliest_day}..{t.latest_day}")
        if t.window_start_s is not None and s.start_s < t.window_start_s:
            out.append(f"task {t.id}: starts at {_hm(s.start_s)}, before its window opens at "
                       f"{_hm(t.window_start_s)}")
        if t.window_end_s is not None and s.end_s > t.window_end_s:
            out.append(f"task {t.id}: ends at {_hm(s.end_s)}, after its window closes at "
                       f"{_hm(t.window_end_s)}")
        for cs, ce in closed.get((t.id, r.day), ()):
            if s.start_s < ce and s.end_s > cs:
                out.append(f"task {t.id}: worked {_hm(s.start_s)}-{_hm(s.end_s)} in a closed period "
                           f"{_hm(cs)}-{_hm(ce)}")
        load += t.volume_l
        if t.volume_l > 0:
            aboard.add(t.stream)
        if body is not None:
            body.load(t, label, out)
        elif load > crew.capacity_l:
            out.append(f"task {t.id}: the vehicle of {r.crew} holds {load} l, more than its "
                       f"{crew.capacity_l} l")
        clock = s.end_s
    back = clock + legs.seconds(here, crew.depot_location)
    total_m += legs.metres(here, crew.depot_location)
    if r.stops and r.return_s < back:
        out.append(f"route {label}: back at the depot at {_hm(r.return_s)}, it cannot be before {_hm(back)}")
    if abs(r.distance_m - total_m) > _TOLERANCE_M * (len(r.stops) + 1):
        out.append(f"route {label}: travel {r.distance_m} m does not match the legs' {total_m} m")
    if task_stops:
        free = list(breaks_taken)
        for b in crew.breaks:
            if r.return_s <= b.earliest_s:
                continue
            match = next((x for x in free if b.earliest_s <= x[0] <= b.latest_s
                          and x[1] - x[0] >= b.duration_s), None)
            if match is None:
                out.append(f"route {label}: no {b.duration_s // 60} min break starting between "
                           f"{_hm(b.earliest_s)} and {_hm(b.latest_s)}")
            else:
                free.remove(match)
    if not task_stops and any(s.kind == "tip" for s in r.stops):
        out.append(f"route {label}: a tip run with no work")


def _check_link(first: str, second: str, max_days: int, what: str, placed: dict, out: list[str]) -> None:
    a, b = placed.get(first), placed.get(second)
    if a is None or b is None:
        return
    gap = b[1] - a[1]
    if gap < 0 or gap > max_days:
        out.append(f"{what}: task {second} is on day {b[1]}, task {first} on day {a[1]}")
    elif gap == 0 and a[3] > b[2]:
        out.append(f"{what}: task {second} starts at {_hm(b[2])} before task {first} ends at {_hm(a[3])}")


def _room_at_end(problem: PlanningProblem, legs: _Legs, r: Route | None, crew: ProblemCrew, day: int, t: ProblemTask,
                 tips: dict, closed: dict) -> bool:
    """Could the task be added after the route's last stop, taking any untaken break first, and still be back
    in time? Deliberately cautious: it only says "room" when there surely is."""
    streams = {t.stream}  # on board (cautious: every stream of the route), with the task's own
    if r is None or not r.stops:
        here, clock, load, taken = crew.depot_location, crew.shift_start_s, 0, []
    else:
        last = r.stops[-1]
        here, clock = last.location, last.end_s
        load = 0
        volume = {x.id: (x.volume_l, x.stream) for x in problem.tasks}
        for s in r.stops:
            if s.kind == "tip":
                load = 0
            elif s.kind == "task":
                litres, stream = volume.get(s.task or "", (0, None))
                load += litres
                if litres > 0:
                    streams.add(stream)
        taken = [(s.start_s, s.end_s) for s in r.stops if s.kind == "break"]
    usable = [tp for j, tp in enumerate(problem.tips) if day not in tp.closed_days
              and all(j in problem.tips_taking(st) for st in streams)]
    pending = list(crew.breaks)[len(taken):] if taken else list(crew.breaks)
    for b in sorted(pending, key=lambda b: b.earliest_s):
        if clock > b.latest_s:
            return False
        clock = max(clock, b.earliest_s) + b.duration_s
    if not _fits(problem, r, crew, t, load):
        return False
    start = max(clock + legs.seconds(here, t.location), t.window_start_s or 0)
    for cs, ce in sorted(closed.get((t.id, day), ())):
        if start < ce and start + t.duration_s > cs:
            start = ce
    end = start + t.duration_s
    if t.window_end_s is not None and end > t.window_end_s:
        return False
    if load + t.volume_l > 0 and tips:
        if not usable:
            return False
        end += min(legs.seconds(t.location, tp.location) + tp.unload_s
                   + legs.seconds(tp.location, crew.depot_location) for tp in usable)
    else:
        end += legs.seconds(t.location, crew.depot_location)
    return end <= crew.shift_end_s + crew.overtime_s


def _fits(problem: PlanningProblem, r: Route | None, crew: ProblemCrew, t: ProblemTask, load: int) -> bool:
    """Would the task's load fit on top of what is aboard at the route's end (`load` litres; for a split
    body, what its compartment holds)?"""
    if not crew.compartments:
        return load + t.volume_l <= crew.capacity_l
    body = Bodies(crew)
    tasks = {x.id: x for x in problem.tasks}
    tip_index = {tp.id: j for j, tp in enumerate(problem.tips)}
    for s in r.stops if r is not None else ():
        if s.kind == "tip" and s.tip in tip_index:
            body.unload(problem, tip_index[s.tip])
        elif s.kind == "task" and s.task in tasks:
            body.load(tasks[s.task], "", [])
    return body.room_for(t)


def _hm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
