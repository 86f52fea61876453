"""Domain objects become a plain planning problem (units, days, rules), and a result becomes a dated Plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace as dt_replace

import pytest
from shapely.geometry import Point, box

from envservices.domain.model import (
    ClosedPeriod,
    CoordinationRule,
    Crew,
    CrewDay,
    CrewMember,
    Pin,
    Place,
    Site,
    SiteKind,
    Skill,
    Task,
    Urgency,
    Vehicle,
    VehicleKind,
    Visit,
)
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.planning import build_problem, check, solve, straight_line_travel, to_plan

MONDAY = dt.date(2026, 11, 23)


def _day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def _task(tid: str, service: str, skill: Skill, x: float, *, asset: str | None = None, place: str = "pl1",
          earliest: int = 0, latest: int = 4, **kw) -> Task:
    return Task(tid, service, place, x, 0.0, skill, kw.pop("duration_s", 900), _day(earliest), _day(latest),
                asset_id=asset, **kw)


@pytest.fixture()
def world():
    sites = [Site("depot", SiteKind.DEPOT, "Depot", Point(0, 0)),
             Site("tip", SiteKind.TIP, "Tip", Point(3000, 0), unload_s=600)]
    vehicles = {"v1": Vehicle("v1", "Tipper", VehicleKind.CAGED_TIPPER, 999.6, frozenset({"mower"}))}
    crews = [Crew("c1", "North team", "depot", "v1",
                  (CrewMember("Ann", frozenset({Skill.LITTER_PICK, Skill.MOWING, Skill.BIN_EMPTY})),))]
    places = [Place("pl1", "Batchley", "area", box(0, -100, 2000, 100))]
    tasks = [
        _task("pick", "litter_pick", Skill.LITTER_PICK, 500, asset="g1"),
        _task("pick2", "litter_pick", Skill.LITTER_PICK, 600, asset="g2"),
        _task("mow", "mow", Skill.MOWING, 500, asset="g1", equipment="mower"),
        _task("cut", "verge_cut", Skill.STRIMMING, 800, asset="v1", earliest=1, latest=2),
        _task("sweep", "mech_sweep", Skill.MECHANICAL_SWEEP, 900, asset="s1", earliest=0, latest=4),
        _task("bin", "empty_bin", Skill.BIN_EMPTY, 1000, volume_l=80.2, urgency=Urgency.URGENT,
              earliest=-3, latest=-1),
    ]
    return sites, vehicles, crews, places, tasks


def test_units_days_and_locations(world):
    """Dates become day numbers, litres whole litres, equal points one location; overdue work is due now."""
    sites, vehicles, crews, places, tasks = world
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places)
    t = {x.id: x for x in p.tasks}
    assert (t["cut"].earliest_day, t["cut"].latest_day) == (1, 2)
    assert (t["bin"].earliest_day, t["bin"].latest_day) == (0, p.days - 1)
    assert t["bin"].volume_l == 81 and t["bin"].urgent and t["bin"].penalty > t["pick"].penalty
    assert t["pick"].location == t["mow"].location
    c = p.crews[0]
    assert c.capacity_l == 999 and "mower" in c.equipment
    assert c.skills == {"litter_pick", "mowing", "bin_empty"}
    assert p.travel.size == 7  # depot, tip and five distinct task points
    assert p.travel.source == "straight line x1.3 at 30 km/h"
    assert p.names["pl1"] == "Batchley" and p.day_labels[0] == "2026-11-23"
    assert p.tips[0].unload_s == 600


def test_rules_expand_to_links(world):
    """before pairs the same asset's pick and mow; within pairs cut and sweep; together groups the place."""
    sites, vehicles, crews, places, tasks = world
    rules = (CoordinationRule("before", "litter_pick", "mow"),
             CoordinationRule("within", "verge_cut", "mech_sweep", max_days=1),
             CoordinationRule("together"))
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, rules=rules)
    assert [(b.first, b.second) for b in p.before] == [("pick", "mow")]
    assert [(w.first, w.second, w.max_days) for w in p.within] == [("cut", "sweep", 1)]
    assert len(p.together) == 1 and set(p.together[0].tasks) == {t.id for t in tasks}


def test_closed_periods_pins_locks_absent(world):
    """A Tuesday closure, a pin, a locked day and an absence land on the right day numbers."""
    sites, vehicles, crews, places, tasks = world
    locked = [CrewDay("c1", _day(3), (Visit("pick2", "pl1", 0, 0, 0),), locked=True)]
    p = build_problem(tasks, crews, vehicles, sites, MONDAY,
                      closed=(ClosedPeriod("litter_pick", 1, 8 * 3600, 9 * 3600, reason="school run"),),
                      pins=(Pin("mow", "c1", _day(2)),), locked=locked, absent=[("c1", _day(4))])
    assert {(c.task, c.day) for c in p.closed} == {("pick", 1), ("pick2", 1)}
    assert p.pins[0].day == 2 and p.locks[0].day == 3 and p.locks[0].tasks == ("pick2",)
    assert ("c1", 4) in p.absent


def test_week_must_start_on_monday_and_sites_must_exist(world):
    """Set-up mistakes a user can make are refused with a clear message."""
    sites, vehicles, crews, places, tasks = world
    with pytest.raises(UserError, match="Monday"):
        build_problem(tasks, crews, vehicles, sites, _day(1))
    with pytest.raises(UserError, match="depot"):
        build_problem(tasks, crews, vehicles, sites[1:], MONDAY)


def test_straight_line_travel():
    """1 km straight at circuity 1.3 and 30 km/h is 1,300 m and 156 s."""
    m = straight_line_travel(30, 1.3)([(0, 0), (1000, 0)])
    assert m.distance_m[0, 1] == 1300 and m.duration_s[0, 1] == 156 and m.duration_s[1, 1] == 0


def test_plan_has_dates_visits_stops_and_no_violations(world):
    """End to end: build, solve, interpret; the plan has real dates, a tip stop for the bin and the travel."""
    sites, vehicles, crews, places, tasks = world
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places,
                      pins=(Pin("pick2", "c1", _day(2)),))
    r = solve(p, time_limit_s=1)
    plan = to_plan(p, r, "2026-W48", MONDAY)
    assert plan.violations == ()
    assert plan.travel_source.startswith("straight line")
    days = {cd.day for cd in plan.crew_days}
    assert days <= {_day(n) for n in range(5)}
    visits = {v.task_id: (cd.day, v) for cd in plan.crew_days for v in cd.visits}
    assert visits["pick2"][0] == _day(2) and visits["pick2"][1].pinned
    assert any(s.kind == "tip" for cd in plan.crew_days for s in cd.stops)
    left = {u.task_id: u.reason for u in plan.unplanned}
    assert "strimming" in left["cut"] and "mechanical_sweep" in left["sweep"]
    assert plan.kpis["visits"] == len(visits) and plan.kpis["travel_km"] > 0
    assert check(p, r) == []


def test_before_links_only_picks_covering_the_grass_being_mown():
    """Mowing grass waits for a pick of that grass or of the whole place, not for picks of other streets."""
    from envservices.domain.model import CoordinationRule
    from envservices.planning.build import expand_rules
    from envservices.planning.problem import ProblemTask

    def task(tid: str, service: str, asset: str | None) -> ProblemTask:
        return ProblemTask(id=tid, place="p", location=0, service=service, skill="x", duration_s=60,
                           earliest_day=0, latest_day=4, asset=asset)

    tasks = [task("mow-g", "mow", "grass-1"), task("pick-street", "litter_pick", "street-9"),
             task("mow-h", "mow", "grass-2"), task("pick-h", "litter_pick", "grass-2"),
             task("pick-place", "litter_pick", None)]
    before, _, _ = expand_rules(tasks, [CoordinationRule("before", "litter_pick", "mow")])
    links = {(b.first, b.second) for b in before}
    assert links == {("pick-place", "mow-g"), ("pick-h", "mow-h")}


def test_routine_work_that_can_wait_costs_least_to_leave_out(world):
    """Overdue routine work costs most to drop, then work due Monday, then Friday, then work that can slip."""
    sites, vehicles, crews, places, _ = world
    tasks = [_task(f"t{lo}", "litter_pick", Skill.LITTER_PICK, 500, earliest=min(lo, 0), latest=lo)
             for lo in (-2, 0, 4, 9)]
    tasks.append(_task("opt", "litter_pick", Skill.LITTER_PICK, 500, latest=9, urgency=Urgency.OPTIONAL))
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places, days=5)
    pen = {t.id: t.penalty for t in p.tasks}
    assert pen["t-2"] > pen["t0"] > pen["t4"] > pen["t9"] > pen["opt"]


def test_crew_day_cost_is_crew_plus_vehicle_day(world):
    """Each crew-day costs the crew-day setting, plus the vehicle-day setting when the crew has a vehicle."""
    sites, vehicles, crews, places, tasks = world
    settings = Settings(cost_per_crew_day=100.0, cost_per_vehicle_day=30.0)
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places, settings=settings)
    by_id = {c.id: c for c in crews}
    for pc in p.crews:
        assert pc.day_cost == (130.0 if by_id[pc.id].vehicle_id else 100.0)


def test_a_big_site_is_split_into_parts_that_crew_days_can_take(world):
    """A 12-ha park (40 h of mowing) becomes parts each within a shift; planned over several crew-days with
    no violation, each visit saying which part of how many it is."""
    from envservices.domain.model import task_part
    from envservices.planning.build import split_long_tasks

    sites, vehicles, crews, places, _ = world
    park = _task("park", "mow", Skill.MOWING, 500, asset="g1", equipment="mower", earliest=0, latest=4)
    park = dt_replace(park, duration_s=40 * 3600)
    parts = split_long_tasks([park], crews)
    shift = crews[0].shift_end_s - crews[0].shift_start_s - sum(b.duration_s for b in crews[0].breaks)
    assert len(parts) == 9 and all(t.duration_s <= shift for t in parts)
    assert sum(t.duration_s for t in parts) >= 40 * 3600
    assert [task_part(t.id) for t in parts] == [(i, len(parts)) for i in range(1, len(parts) + 1)]
    p = build_problem([park], crews, vehicles, sites, MONDAY, places=places, days=7)
    r = solve(p, time_limit_s=2)
    assert check(p, r) == []
    plan = to_plan(p, r, "2026-W48", MONDAY)
    visits = [v for cd in plan.crew_days for v in cd.visits]
    assert len({cd.day for cd in plan.crew_days if cd.visits}) == 5  # one crew, five days: a part a day
    assert all(v.parts == len(parts) and 1 <= v.part <= v.parts for v in visits)


def test_a_task_with_a_time_window_is_not_split(world):
    """Work tied to a time of day stays whole (and is left out with its reason if no shift holds it)."""
    from envservices.planning.build import split_long_tasks

    _sites, _vehicles, crews, _places, _ = world
    t = dt_replace(_task("w", "mow", Skill.MOWING, 500), duration_s=30 * 3600, window_start_s=8 * 3600,
                   window_end_s=12 * 3600)
    assert split_long_tasks([t], crews) == [t]


def test_past_lazy_above_locations_travel_is_computed_on_demand(world, monkeypatch):
    """A county-size week gets no dense matrix at build time: LazyTravel, with the dense figures."""
    from envservices.planning import build
    from envservices.planning.problem import is_lazy

    sites, vehicles, crews, places, tasks = world
    dense = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places)
    monkeypatch.setattr(build, "LAZY_ABOVE", 3)
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, places=places)
    assert is_lazy(p.travel) and not is_lazy(dense.travel)
    assert "_whole" not in p.travel.__dict__  # nothing computed yet
    assert (p.travel.duration_s == dense.travel.duration_s).all()
    assert (p.travel.distance_m == dense.travel.distance_m).all()
