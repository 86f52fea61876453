"""CP-SAT (OR-Tools) as the master that chooses which crews and crew-days the week needs.

Why try it: choosing the fewest crew-days that can hold a week's work, by skill and due day, with a fixed
cost per crew-day, is a packing problem where CP-SAT is the state of the art; the engine's local search only
empties one short crew-day at a time. The model packs the week's work (classes of tasks alike in skill,
equipment and due days, in minutes, times the crew hours a plan spends per task hour) into crew-days of the
crews able to do it, each at most its shift less breaks; it minimises the fixed crew-day cost plus a weekly
cost per crew used. The crews it leaves unused are released and the engine plans the rest.
Compared with the engine's own fewest-crews search in envservices/bench/RESULTS.md.
"""

from __future__ import annotations

from collections import defaultdict

from envservices.planning.problem import PlanningProblem

HOURS_PER_TASK_HOUR = 1.8
"""Crew time per unit of task time the packing allows for travel, tips and slack. The engine's demo weeks
spend 1.66-1.77; at 1.5 the packing released 7 crews of the needs week and the engine then left 16 due tasks
out; at 1.8 it released 6 and the engine placed everything (scale 1, 60 s)."""
CREW_WEEK_COST = 500.0  # cost units per crew used in the week, so the packing also frees whole crews


def crews_to_release(problem: PlanningProblem, time_limit_s: float = 10.0,
                     hours_per_task_hour: float = HOURS_PER_TASK_HOUR, seed: int = 0
                     ) -> tuple[list[str], int]:
    """The crew ids the packing leaves unused all week and the crew-days it uses; ([], 0) if it finds none."""
    from ortools.sat.python import cp_model

    days = problem.days
    absent = set(problem.absent)
    classes: dict[tuple, int] = defaultdict(int)
    for t in problem.tasks:
        lo, hi = max(0, t.earliest_day), min(days - 1, t.latest_day)
        if lo > hi:
            continue
        classes[(t.skill, t.equipment, lo, hi)] += t.duration_s
    model = cp_model.CpModel()
    used: dict[tuple[int, int], cp_model.IntVar] = {}
    crew_used = []
    cap_min = {}
    for ci, c in enumerate(problem.crews):
        u = model.new_bool_var(f"crew{ci}")
        crew_used.append(u)
        cap_min[ci] = (c.shift_end_s - c.shift_start_s - sum(b.duration_s for b in c.breaks)) // 60
        for d in range(days):
            if d in c.days_off or (c.id, d) in absent:
                continue
            x = model.new_bool_var(f"cd{ci}_{d}")
            model.add_implication(x, u)
            used[(ci, d)] = x
    load: dict[tuple[int, int], list] = defaultdict(list)
    for n, ((skill, equipment, lo, hi), work_s) in enumerate(classes.items()):
        need = int(round(work_s * hours_per_task_hour / 60))
        flows = []
        for ci, c in enumerate(problem.crews):
            if skill not in c.skills or (equipment and equipment not in c.equipment):
                continue
            for d in range(lo, hi + 1):
                if (ci, d) in used:
                    f = model.new_int_var(0, cap_min[ci], f"f{n}_{ci}_{d}")
                    flows.append(f)
                    load[(ci, d)].append(f)
        if flows:
            model.add(sum(flows) >= need)
    for key, x in used.items():
        if load[key]:
            model.add(sum(load[key]) <= cap_min[key[0]] * x)
    model.minimize(sum(int(round(problem.crews[ci].day_cost or 1)) * x for (ci, _d), x in used.items())
                   + int(CREW_WEEK_COST) * sum(crew_used))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_s)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], 0
    released = [problem.crews[ci].id for ci, u in enumerate(crew_used) if not solver.boolean_value(u)]
    crew_days = sum(1 for x in used.values() if solver.boolean_value(x))
    return released, crew_days
