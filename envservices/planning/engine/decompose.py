"""Large weeks with several depots: planned depot by depot, then joined and repaired as one week.

Why: the search converges per depot in the time it would need to make a few passes over the whole district
(6,000 tasks, 4 depots: 62 left out at 291 s depot by depot, 312 as one problem).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import numpy as np

from envservices.planning.callbacks import Progress
from envservices.planning.engine.eligibility import eligibility
from envservices.planning.engine.pieces import solve_pieces
from envservices.planning.engine.result import result_of
from envservices.planning.engine.search import construct, hold_pins, improve_routing
from envservices.planning.engine.state import Search
from envservices.planning.params import SOLVER_NAME, SolveParams
from envservices.planning.problem import PlanningProblem, PlanResult, is_lazy
from envservices.planning.stop import StoppingCriterion


def split_by_depot(problem: PlanningProblem, params: SolveParams | None = None) -> list[PlanningProblem]:
    """One problem per depot: its crews, and the tasks nearest to it that its crews can do (linked tasks and
    a place's together group stay in one part)."""
    params = params or SolveParams()
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
    for a in problem.after:
        for f in a.firsts:
            union(f, a.second)
    for ap in problem.apart:
        union(ap.first, ap.second)
    hard = [find(i) for i in range(len(problem.tasks))]  # linked by a rule: must share a part
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
    if is_lazy(problem.travel):  # only the depots' rows: a county's matrix is never built whole
        dur = dict(zip(depots, problem.travel.rows(np.array(depots)), strict=True))
    else:
        dur = problem.travel.duration_s
    absent = set(problem.absent)
    room = {
        d: params.split_work_share * sum(
            (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks))
            * sum(1 for day in range(problem.days) if day not in c.days_off and (c.id, day) not in absent)
            for c in crews_at[d]
        )
        for d in depots
    }
    load = {d: 0.0 for d in depots}
    part_of: dict[int, int] = {}
    choices: list[tuple[float, list[int], list[int], float]] = []

    def able_at(d: int, i: int) -> bool:
        t = problem.tasks[i]
        return any(t.skill in c.skills and (not t.equipment or t.equipment in c.equipment)
                   and c.capacity_l >= t.volume_l for c in crews_at[d])

    loose: dict[int, list[int]] = defaultdict(list)
    pinned_hard = {hard[i] for i in range(len(problem.tasks)) if problem.tasks[i].id in pinned}
    for members in components.values():
        forced = [pinned[problem.tasks[i].id] for i in members if problem.tasks[i].id in pinned]
        if forced and forced[0] is not None:
            # a place's together group follows its pins to their depot, but not work that depot's crews
            # cannot do and no rule ties to the pins: the demo's rounds pinned Bromsgrove's places (and 44
            # street sweeps with them) to a depot without a sweeper, and those sweeps were left out
            for i in members:
                if hard[i] in pinned_hard or able_at(forced[0], i):
                    part_of[i] = forced[0]
                    load[forced[0]] += problem.tasks[i].duration_s
                else:
                    loose[hard[i]].append(i)
            continue
        loose[find(members[0])] = members
    for members in loose.values():
        work = float(sum(problem.tasks[i].duration_s for i in members))
        score = {}
        for d in depots:
            able = sum(1 for i in members if any(
                problem.tasks[i].skill in c.skills
                and (not problem.tasks[i].equipment or problem.tasks[i].equipment in c.equipment)
                and c.capacity_l >= problem.tasks[i].volume_l for c in crews_at[d]))
            score[d] = (-able, sum(int(dur[d][problem.tasks[i].location]) for i in members))
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
            after=tuple(a for a in problem.after if a.second in ids),
            apart=tuple(a for a in problem.apart if a.first in ids),
            closed=tuple(c for c in problem.closed if c.task in ids),
            pins=tuple(p for p in problem.pins if p.task in ids and p.crew in crew_ids),
            locks=tuple(lk for lk in problem.locks if lk.crew in crew_ids),
            absent=frozenset(a for a in problem.absent if a[0] in crew_ids),
            previous_crew_of_place=problem.previous_crew_of_place,
            names=problem.names,
        ))
    return [p for p in parts if p.tasks]


def solve_by_depot(problem: PlanningProblem, time_limit_s: float, stop: StoppingCriterion | None,
                    report: Progress, seed: int, params: SolveParams) -> PlanResult:
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    cancelled = False
    status = "feasible"
    parts = split_by_depot(problem, params)
    total = sum(len(p.tasks) for p in parts)
    solver = SOLVER_NAME
    built: list[tuple[PlanningProblem, Search]] = []
    attempted_all: set[str] = set()
    if is_lazy(problem.travel):
        return solve_pieces(problem, parts, deadline, stop, report, seed, params, t0)
    for n, part in enumerate(parts):
        def relay(best: float, elapsed: float, message: str, n: int = n) -> None:
            report(best, time.perf_counter() - t0, f"depot {n + 1} of {len(parts)}: {message}")

        sub, complete, user_stopped, attempted = construct(
            part, deadline - time.perf_counter(), stop, relay, seed + n, t0, params)
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

            sub_status, solver = improve_routing(sub, share, stop, relay2, t0, seed + n)
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
    s = Search(problem, seed, params)
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
    eligibility(s)
    hold_pins(s, problem.pins)
    if not cancelled:
        left = [t for t in range(s.n) if s.route_of[t] < 0 and s.eligible[t]]
        left.sort(key=lambda t: (not s.urgent[t], -s.penalty[t], len(s.eligible[t])))
        for t in left:
            # past the deadline only work that must not wait (urgent, or routine due now) is still placed:
            # a depot whose crews could not take all its work hands it here, and dropping it for want of a
            # second left 49 routine tasks out of a rota week the crews could hold
            if time.perf_counter() > deadline and not s.urgent[t] and s.penalty[t] < s.params.penalty_keep:
                continue
            if not s.insert(t) and s.urgent[t] and not s.insert(t, exhaustive=True):
                s.eject_for(t)
    report(s.objective(), time.perf_counter() - t0, "depots joined")
    result = result_of(s, status, None if status == "feasible" else
                     {i for i, t in enumerate(problem.tasks) if t.id in attempted_all},
                     solver.split(" (")[0] + f"; planned depot by depot ({len(parts)} depots)")
    report(result.cost, time.perf_counter() - t0, f"done: {status}")
    return result



