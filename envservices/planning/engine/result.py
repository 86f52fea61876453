"""The search's state as a PlanResult: routes with their exact times, reasons for work left out, KPIs."""

from __future__ import annotations

from envservices.planning.engine.eligibility import explanations
from envservices.planning.engine.state import Search
from envservices.planning.params import SOLVER_NAME
from envservices.planning.problem import PlanResult, Route
from envservices.planning.result import PlanKpis


def release_figures(s: Search) -> dict:
    """Crews a supervisor could release: per day, crews free to work that day that the plan does not use;
    for the week, crews free to work some day of it that the plan never uses."""
    days = s.p.days
    able = [set() for _ in range(days)]
    used = [set() for _ in range(days)]
    for k, cd in enumerate(s.crewdays):
        if cd.open:
            able[cd.day].add(cd.crew)
        if s.routes[k] or cd.locked:
            used[cd.day].add(cd.crew)
    by_day = [len(able[d] - used[d]) for d in range(days)]
    week_able = set().union(*able) if able else set()
    week_used = set().union(*used) if used else set()
    released = sorted(week_able - week_used)
    return {
        "crew_days": sum(len(u) for u in used),
        "crews_released_by_day": by_day,
        "crew_days_released": sum(by_day),
        "crews_released_week": len(released),
        "crews_released": [s.p.crews[c].id for c in released],
    }


def result_of(s: Search, status: str, attempted: set[int] | None, solver: str = SOLVER_NAME) -> PlanResult:
    p = s.p
    routes = []
    hours = km = overtime = 0.0
    visits = 0
    op_cost = 0.0
    for k, seq in enumerate(s.routes):
        cd = s.crewdays[k]
        if not seq and not cd.locked:
            continue
        sim = s._simulate(k, seq, record=True) or s._simulate(k, seq, record=True, strict=False)
        assert sim is not None
        ret = sim.return_s if seq else cd.start_s
        routes.append(Route(cd.crew_id, cd.day, cd.start_s, ret, sim.distance_m, tuple(sim.stops)))
        hours += (ret - cd.start_s) / 3600.0
        overtime += max(0, ret - cd.shift_end_s) / 3600.0
        km += sim.distance_m / 1000.0
        visits += len(seq)
        op_cost += sim.cost
    unplanned = []
    for i, t in enumerate(p.tasks):
        if s.route_of[i] >= 0:
            continue
        reason = s.reason.get(i)
        if reason is None:
            if attempted is not None and i not in attempted:
                reason = "planning was stopped before this task could be placed"
            elif s.elig_days[i] and s.elig_days[i] <= {s._day_of(x) for x in s.apart[i]}:
                reason = ("every day it could be done, work it must keep apart from is done nearby that day "
                          "(an 'apart' rule, e.g. no mowing while bins are out)")
            elif any(s.route_of[x] >= 0 for x in s.partners(i)):
                reason = "no room that also keeps its co-ordination rule with a linked task"
            else:
                reason = "no room: the crews able to do it are fully booked on the days it is due"
        unplanned.append((t.id, reason))
    unplanned_ids = {u for u, _ in unplanned}
    index = {t.id: t for t in p.tasks}
    working = [h for h in s.crew_hours if h > 1e-9] if s.working_only else s.crew_hours
    release = release_figures(s)
    kpis = PlanKpis(
        crew_hours=round(hours, 3),
        travel_km=round(km, 3),
        overtime_h=round(overtime, 3),
        visits=visits,
        unplanned=len(unplanned),
        unplanned_urgent=sum(1 for u in unplanned_ids if index[u].urgent),
        forecast_failures=sum(1 for u in unplanned_ids if 0 <= index[u].latest_day <= p.days - 1),
        cost=round(op_cost, 2),
        together_split=sum(len(c) - 1 for c in s.group_count if len(c) > 1),
        crew_hours_spread=round(max(working) - min(working), 3) if working else 0.0,
        solver=solver,
        crew_days=release["crew_days"],
        crews_released_by_day=tuple(release["crews_released_by_day"]),
        crew_days_released=release["crew_days_released"],
        crews_released_week=release["crews_released_week"],
        crews_released=tuple(release["crews_released"]),
    ).as_dict()
    return PlanResult(
        routes=tuple(routes),
        unplanned=tuple(unplanned),
        cost=round(s.objective(), 3),
        kpis=kpis,
        solver=solver,
        travel_source=p.travel.source,
        status=status,
        explanations=explanations(p, unplanned),
    )

