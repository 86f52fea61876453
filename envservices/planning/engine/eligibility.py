"""Which crew-days could do each task alone, and in plain words why none could.

Why apart from the search: the reasons a supervisor reads ("no crew has skill `hedge` on any day in the
window of 14 tasks in Batchley") are decided here once, before the search, from skill, equipment, day,
vehicle capacity (for a split body, a compartment that takes the stream) and reach (one task alone in the
crew-day, by the exact simulator).
"""

from __future__ import annotations

from collections import defaultdict

from envservices.planning.engine.compartments import holds, not_held_reason
from envservices.planning.engine.state import Search
from envservices.planning.problem import PlanningProblem


def eligibility(s: Search) -> None:
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
            holding = [c for c in skilled if holds(c, t)]  # a split body: a compartment that takes its stream
            if not holding:
                s.reason[i] = not_held_reason(t, skilled, p.names)
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
            key = (i, cd.depot, cd.start_s, cd.limit_s, cd.capacity_l, crews[cd.crew].compartments, cd.breaks,
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


def explanations(problem: PlanningProblem, unplanned: list[tuple[str, str]]) -> tuple[str, ...]:
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


