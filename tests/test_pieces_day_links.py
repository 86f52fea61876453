"""A county's week split by day keeps the week's 'after' and 'apart' rules (they join two days, and each day's
piece is planned on its own)."""

from __future__ import annotations

from dataclasses import replace

from envservices.planning.check import check
from envservices.planning.engine.decompose import split_by_depot
from envservices.planning.engine.pieces import split_by_day
from envservices.planning.params import SolveParams
from envservices.planning.problem import After, Apart
from envservices.planning.solve import solve
from envservices.planning.synthetic import synthetic_problem


def _linked(seed: int = 6):
    """A synthetic week in which some tasks are a street's collection (due on one day) with its cleanse
    (due any day, the day after the collection) and some pairs must be on different days."""
    problem = replace(synthetic_problem(400, 16, seed=seed, lazy=True), together=(), before=(), within=())
    linked = {x for r in problem.before + problem.within for x in (r.first, r.second)}
    free = [i for i, t in enumerate(problem.tasks) if t.id not in linked]
    tasks = list(problem.tasks)
    after, apart = [], []
    for n, k in enumerate(range(0, 60, 3)):
        coll, cleanse, other = (tasks[i] for i in free[k:k + 3])
        day = n % (problem.days - 1)
        tasks[free[k]] = replace(coll, earliest_day=day, latest_day=day)
        tasks[free[k + 1]] = replace(cleanse, earliest_day=0, latest_day=problem.days - 1)
        tasks[free[k + 2]] = replace(other, earliest_day=0, latest_day=problem.days - 1)
        after.append(After((coll.id,), cleanse.id, 1))
        apart.append(Apart(coll.id, other.id))
        apart.append(Apart(cleanse.id, other.id))
    return replace(problem, tasks=tuple(tasks), after=tuple(after), apart=tuple(apart))


def test_days_given_to_pieces_keep_after_and_apart():
    problem = _linked()
    part = split_by_depot(problem, SolveParams(decompose_above=100))[0]
    pieces = split_by_day(part, 70)
    assert len(pieces) > 1
    day = {t.id: piece.tasks[0].earliest_day for piece in pieces for t in piece.tasks}
    bound = 0
    for a in part.after:
        if a.second in day and a.firsts[0] in day:
            bound += 1
            assert day[a.second] == day[a.firsts[0]] + 1, a
    for ap in part.apart:
        if ap.first in day and ap.second in day:
            bound += 1
            assert day[ap.first] != day[ap.second], ap
    assert bound >= 10


def test_rules_that_leave_work_no_day_keep_the_part_whole():
    problem = _linked()
    part = split_by_depot(problem, SolveParams(decompose_above=100))[0]
    a = next(t for t in part.tasks if t.earliest_day == t.latest_day == 1)
    b = next(t for t in part.tasks if t.id != a.id and t.earliest_day == 0 and t.latest_day == part.days - 1)
    stuck = replace(part, tasks=tuple(replace(t, earliest_day=1, latest_day=1) if t.id == b.id else t
                                      for t in part.tasks),
                    apart=part.apart + (Apart(a.id, b.id),))
    assert split_by_day(stuck, 70) == [stuck]


def test_a_week_planned_in_day_pieces_breaks_no_after_or_apart_rule():
    problem = _linked()
    result = solve(problem, time_limit_s=4, seed=3, params=SolveParams(decompose_above=100, piece_above=70))
    assert "pieces" in result.solver
    assert [v for v in check(problem, result) if v.startswith(("after", "apart"))] == []
