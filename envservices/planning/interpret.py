"""PlanResult -> domain.Plan: day numbers become dates, location indices go, the checker's verdict is kept.

The checker runs here on every plan, so a plan that reaches the supervisor, the worksheets or the database
always carries its violations (normally none) with it.
"""

from __future__ import annotations

import datetime as dt

from envservices.domain.model import CrewDay, Plan, Stop, Unplanned, Visit, new_id
from envservices.planning.check import check, rules_applied
from envservices.planning.problem import PlanningProblem, PlanResult


def to_plan(problem: PlanningProblem, result: PlanResult, week: str, week_start: dt.date,
            plan_id: str | None = None, area_id: str | None = None, depot_id: str | None = None) -> Plan:
    """The supervisor's plan for the week, with the independent checker's violations filled in."""
    tasks = {t.id: t for t in problem.tasks}
    pinned = {(p.task, p.crew, p.day) for p in problem.pins}
    locked = {(lk.crew, lk.day) for lk in problem.locks}
    crew_days = []
    for r in sorted(result.routes, key=lambda r: (r.day, r.crew)):
        visits = []
        stops = []
        for s in r.stops:
            if s.kind == "task" and s.task is not None:
                t = tasks[s.task]
                visits.append(Visit(
                    task_id=t.id, place_id=t.place, arrive_s=s.arrive_s, start_s=s.start_s, end_s=s.end_s,
                    service=t.service, asset_id=t.asset, pinned=(t.id, r.crew, r.day) in pinned,
                ))
            else:
                stops.append(Stop(kind=s.kind, start_s=s.start_s, end_s=s.end_s, site_id=s.tip))
        crew_days.append(CrewDay(
            crew_id=r.crew, day=week_start + dt.timedelta(days=r.day), visits=tuple(visits),
            stops=tuple(stops),
            depart_s=r.depart_s, return_s=r.return_s, travel_m=float(r.distance_m),
            locked=(r.crew, r.day) in locked,
        ))
    return Plan(
        id=plan_id or new_id("plan"),
        week=week,
        crew_days=tuple(crew_days),
        unplanned=tuple(Unplanned(tid, reason) for tid, reason in result.unplanned),
        kpis=dict(result.kpis) | {"solver": result.solver, "status": result.status,
                                  "rules_applied": rules_applied(problem, result)},
        violations=tuple(check(problem, result)),
        travel_source=result.travel_source,
        created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        area_id=area_id,
        depot_id=depot_id,
    )
