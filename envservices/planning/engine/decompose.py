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
from envservices.planning.engine.compartments import holds
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
    a place's together group stay in one part; work a rule links to pinned tasks goes to their depot, the
    rest of their together group chooses for itself)."""
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
    # each depot's room per skill and day: a depot's refuse crews give no time to its street work, and a
    # bin due on Friday needs a team that works Friday (the demo's rounds added 18 refuse crews to
    # Bromsgrove's room, and its place teams were given 13 Friday bin emptyings more than they had time for;
    # planned in pieces, no other depot's team may take them)
    room: dict[int, dict[tuple[str, int], float]] = {d: defaultdict(float) for d in depots}
    for d in depots:
        for c in crews_at[d]:
            day_s = params.split_work_share * (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks))
            for day in range(problem.days):
                if day not in c.days_off and (c.id, day) not in absent:
                    for skill in c.skills:
                        room[d][(skill, day)] += day_s
    load: dict[int, dict[tuple[str, int], float]] = {d: defaultdict(float) for d in depots}

    def work_of(members: list[int]) -> dict[tuple[str, int], float]:
        """Each task's work spread over the days of its due window, by skill."""
        out: dict[tuple[str, int], float] = defaultdict(float)
        for i in members:
            t = problem.tasks[i]
            days = range(max(0, t.earliest_day), min(problem.days - 1, t.latest_day) + 1) or range(problem.days)
            for day in days:
                out[(t.skill, day)] += t.duration_s / len(days)
        return out

    part_of: dict[int, int] = {}
    choices: list[tuple[float, list[int], list[int], float]] = []

    loose: dict[int, list[int]] = defaultdict(list)
    pin_depot: dict[int, int] = {}  # a rule-linked group with pins -> its first pin's depot
    for i in range(len(problem.tasks)):
        d = pinned.get(problem.tasks[i].id)
        if d is not None:
            pin_depot.setdefault(hard[i], d)
    for members in components.values():
        if not any(hard[i] in pin_depot for i in members):
            loose[find(members[0])] = members
            continue
        # only work a rule ties to pins follows them to their depot; the rest of a place's together group
        # (a soft rule) chooses its depot as any other work does. Dragged along whole, the demo's pinned
        # rounds took 44 street sweeps to a depot without a sweeper (left out) and overloaded one depot's
        # place teams (13 bin emptyings left out "no room", none in the same week without the rounds)
        for i in members:
            d = pin_depot.get(hard[i])
            if d is not None:
                part_of[i] = d
                for k, w in work_of([i]).items():
                    load[d][k] += w
            else:
                loose[hard[i]].append(i)
    for members in loose.values():
        work = float(sum(problem.tasks[i].duration_s for i in members))
        score = {}
        for d in depots:
            able = sum(1 for i in members if any(
                problem.tasks[i].skill in c.skills
                and (not problem.tasks[i].equipment or problem.tasks[i].equipment in c.equipment)
                and holds(c, problem.tasks[i]) for c in crews_at[d]))
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
    for _regret, ranked, members, _work in choices:
        need = work_of(members)
        choice = next((d for d in ranked if all(load[d][k] + w <= room[d][k] for k, w in need.items())),
                      ranked[0])
        for k, w in need.items():
            load[choice][k] += w
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



