"""Tips per stream: each load goes to a tip that takes it and is open; the checker says when one does not."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from shapely.geometry import Point

from envservices.domain.model import (
    Crew,
    CrewMember,
    Site,
    SiteKind,
    Skill,
    Task,
    Urgency,
    Vehicle,
    VehicleKind,
)
from envservices.domain.waste import Stream, WasteTip
from envservices.errors import UserError
from envservices.planning import build_problem
from envservices.planning.build import straight_line_travel
from envservices.planning.check import check
from envservices.planning.problem import (
    PlanningProblem,
    PlanResult,
    ProblemCrew,
    ProblemPin,
    ProblemTask,
    ProblemTip,
)
from envservices.planning.solve import solve
from envservices.planning.stop import IterationLimit

H = 3600
# depot, eight streets east, a residual-only transfer station far east, a recycling-only MRF close by
POINTS = [(0.0, 0.0)] + [(400.0 * i, 0.0) for i in range(1, 9)] + [(6000.0, 0.0), (1600.0, 300.0)]
TRANSFER, MRF = len(POINTS) - 2, len(POINTS) - 1


def _crew(cid: str) -> ProblemCrew:
    return ProblemCrew(cid, frozenset({"hgv"}), 0, 500, 6 * H, 16 * H, frozenset({"rcv"}))


def _collection(tid: str, loc: int, stream: str | None) -> ProblemTask:
    return ProblemTask(tid, "p1", loc, f"refuse_{stream}", "hgv", 600, 0, 0, equipment="rcv", volume_l=200,
                       stream=stream)


def _problem(tasks, tips, crews=None, **kw) -> PlanningProblem:
    travel = straight_line_travel(30.0, 1.3)(POINTS)
    return PlanningProblem(tuple(tasks), tuple(crews or [_crew("R"), _crew("D")]), travel, days=1,
                           tips=tuple(tips), **kw)


def _solve(p: PlanningProblem) -> PlanResult:
    r = solve(p, time_limit_s=30, stop=IterationLimit(300), seed=1)
    assert check(p, r) == []
    return r


def _tips_of(r: PlanResult, crew: str) -> list[str]:
    return [s.tip for rt in r.routes if rt.crew == crew for s in rt.stops if s.kind == "tip"]


STREAM_TIPS = (ProblemTip("transfer", TRANSFER, 6 * H, 18 * H, 900, streams=frozenset({"residual"})),
               ProblemTip("mrf", MRF, 6 * H, 18 * H, 900, streams=frozenset({"dry_recycling"})))


def test_a_residual_round_tips_only_at_the_transfer_station_and_recycling_at_the_mrf():
    """Six 200 l residual streets for a 500 l body: three tip runs, all to the far transfer station though
    the MRF is on the way; the recycling round beside it unloads only at the MRF."""
    tasks = [_collection(f"res{i}", 1 + i, "residual") for i in range(6)]
    tasks += [_collection(f"rec{i}", 3 + i, "dry_recycling") for i in range(4)]
    pins = tuple(ProblemPin(t.id, "R" if t.stream == "residual" else "D", 0) for t in tasks)
    r = _solve(_problem(tasks, STREAM_TIPS, pins=pins))
    assert not r.unplanned
    assert len(_tips_of(r, "R")) == 3 and set(_tips_of(r, "R")) == {"transfer"}
    assert set(_tips_of(r, "D")) == {"mrf"}


def test_one_crew_collecting_two_streams_unloads_before_it_mixes_them():
    """A crew given two residual and two recycling streets, room in the body for all four: it still goes to the
    tip between the streams, since no tip takes both."""
    tasks = [_collection("res0", 1, "residual"), _collection("res1", 2, "residual"),
             _collection("rec0", 3, "dry_recycling"), _collection("rec1", 4, "dry_recycling")]
    big = dataclasses.replace(_crew("R"), capacity_l=2000)
    r = _solve(_problem(tasks, STREAM_TIPS, crews=[big]))
    assert not r.unplanned
    assert sorted(_tips_of(r, "R")) == ["mrf", "transfer"]


def test_street_work_keeps_its_own_tip_and_a_stream_with_a_named_tip_never_uses_it():
    """A cleansing tip (no streams) beside the residual round: residual still goes to the transfer station,
    the sweeper's load to the cleansing tip."""
    tips = STREAM_TIPS + (ProblemTip("cleansing", 5, 6 * H, 18 * H, 600),)
    sweep = ProblemTask("sweep", "p1", 6, "mech_sweep", "hgv", 600, 0, 0, equipment="rcv", volume_l=400)
    tasks = [_collection(f"res{i}", 1 + i, "residual") for i in range(3)] + [sweep]
    pins = tuple(ProblemPin(t.id, "D" if t.id == "sweep" else "R", 0) for t in tasks)
    r = _solve(_problem(tasks, tips, pins=pins))
    assert set(_tips_of(r, "R")) == {"transfer"}
    assert set(_tips_of(r, "D")) == {"cleansing"}


def test_tips_with_no_streams_take_everything_as_before():
    """The rule every part reads: with no stream named, any tip takes any load (existing problems unchanged)."""
    p = _problem([], (ProblemTip("a", TRANSFER), ProblemTip("b", MRF)))
    assert p.tips_taking("residual") == p.tips_taking(None) == frozenset({0, 1})
    p = _problem([], STREAM_TIPS)
    assert p.tips_taking("residual") == {0} and p.tips_taking("dry_recycling") == {1}
    assert p.tips_taking(None) == {0, 1}  # street waste, where no tip is its own: any


def test_a_closed_tip_is_passed_over_for_one_open():
    """Two residual tips; the near one is closed today, then open only until 09:00: the round uses the other."""
    near = ProblemTip("near", MRF, 6 * H, 18 * H, 900, streams=frozenset({"residual"}), closed_days=frozenset({0}))
    far = ProblemTip("far", TRANSFER, 6 * H, 18 * H, 900, streams=frozenset({"residual"}))
    tasks = [_collection(f"res{i}", 1 + i, "residual") for i in range(4)]
    r = _solve(_problem(tasks, (near, far), crews=[_crew("R")]))
    assert not r.unplanned and set(_tips_of(r, "R")) == {"far"}
    early = dataclasses.replace(near, closed_days=frozenset(), close_s=9 * H)
    late_start = dataclasses.replace(_crew("R"), shift_start_s=8 * H + 1800)
    r = _solve(_problem(tasks, (early, far), crews=[late_start]))
    assert not r.unplanned and set(_tips_of(r, "R")) == {"far"}


def _same_place_tips() -> tuple[ProblemTip, ProblemTip]:
    """A residual and a recycling tip at one location: a plan swapping them changes nothing but the tip."""
    return (ProblemTip("transfer", MRF, 6 * H, 18 * H, 900, streams=frozenset({"residual"})),
            ProblemTip("mrf", MRF, 6 * H, 18 * H, 900, streams=frozenset({"dry_recycling"})))


def test_the_checker_flags_recycling_tipped_at_the_residual_tip():
    tips = _same_place_tips()
    tasks = [_collection(f"rec{i}", 1 + i, "dry_recycling") for i in range(4)]
    p = _problem(tasks, tips, crews=[_crew("D")])
    r = _solve(p)
    assert set(_tips_of(r, "D")) == {"mrf"}
    wrong = dataclasses.replace(r, routes=tuple(
        dataclasses.replace(rt, stops=tuple(dataclasses.replace(s, tip="transfer") if s.kind == "tip" else s
                                            for s in rt.stops)) for rt in r.routes))
    found = check(p, wrong)
    assert found and all("unloads dry_recycling at transfer, which does not take it" in v for v in found)


def test_the_checker_flags_a_tip_visit_on_a_day_the_tip_is_closed():
    tips = _same_place_tips()
    tasks = [_collection(f"rec{i}", 1 + i, "dry_recycling") for i in range(2)]
    r = _solve(_problem(tasks, tips, crews=[_crew("D")]))
    closed = _problem(tasks, (tips[0], dataclasses.replace(tips[1], closed_days=frozenset({0}))),
                      crews=[_crew("D")])
    assert any("unloads at mrf on day 0, when it is closed" in v for v in check(closed, r))


# ------------------------------------------------------------------ built from the domain (a week with rounds)
MONDAY = dt.date(2026, 11, 23)


def _world():
    sites = [Site("depot", SiteKind.DEPOT, "Depot", Point(0, 0)),
             Site("tip", SiteKind.TIP, "Street cleansing tip", Point(500, 0))]
    vehicles = {"v": Vehicle("v", "RCV", VehicleKind.CAGED_TIPPER, 400.0, frozenset({"rcv"}))}
    crews = [Crew("c1", "Round 1", "depot", "v", (CrewMember("Ann", frozenset({Skill.HGV})),))]
    tips = [WasteTip("transfer", "Transfer station", Point(4000, 0), frozenset({Stream.RESIDUAL}),
                     open_s=7 * H, close_s=17 * H, turnaround_s=1200, days_open=frozenset({0, 1, 2, 3, 4}))]
    tasks = [Task(f"r{i}", "refuse_residual", "pl1", 300.0 * (i + 1), 0.0, Skill.HGV, 600, MONDAY, MONDAY,
                  equipment="rcv", volume_l=150.0, urgency=Urgency.URGENT, source="rounds", stream="residual")
             for i in range(4)]
    return sites, vehicles, crews, tips, tasks


def test_a_week_with_rounds_builds_its_tips_per_stream_and_plans_to_them():
    sites, vehicles, crews, tips, tasks = _world()
    p = build_problem(tasks, crews, vehicles, sites, MONDAY, waste_tips=tips)
    transfer = next(tp for tp in p.tips if tp.id == "transfer")
    assert transfer.streams == {"residual"} and transfer.unload_s == 1200
    assert (transfer.open_s, transfer.close_s) == (7 * H, 17 * H) and transfer.closed_days == {5, 6}
    assert {t.stream for t in p.tasks} == {"residual"}
    r = solve(p, time_limit_s=30, stop=IterationLimit(200))
    assert check(p, r) == [] and not r.unplanned
    assert {s.tip for rt in r.routes for s in rt.stops if s.kind == "tip"} == {"transfer"}


def test_a_stream_with_no_tip_or_a_tip_closed_on_collection_day_is_refused_in_one_sentence():
    sites, vehicles, crews, tips, tasks = _world()
    food = [dataclasses.replace(tasks[0], id="f1", service="refuse_food", stream="food")]
    with pytest.raises(UserError, match=r"^No tip takes food, collected by task f1: add one before planning\.$"):
        build_problem(food, crews, vehicles, [sites[0]], MONDAY, waste_tips=tips)
    shut = [dataclasses.replace(tips[0], days_open=frozenset({1, 2, 3, 4}))]
    with pytest.raises(UserError, match=r"^Transfer station \(residual\) is closed on Monday 23 November, the "
                                        r"collection day of task r0\.$"):
        build_problem(tasks, crews, vehicles, sites, MONDAY, waste_tips=shut)


def test_pyvrp_reloads_a_crew_day_only_at_the_tips_that_take_all_it_may_collect():
    """Each crew-day's reload tips in PyVRP are those taking every stream of the tasks it may do; a day of two
    rounds routed by PyVRP is then kept and checks clean."""
    pytest.importorskip("pyvrp")
    from envservices.planning.callbacks import ProgressLog
    from envservices.planning.day_routing import DayTask, _reload_tips

    tasks = [DayTask(0, 1, 60, frozenset({0}), volume_l=10, tips=frozenset({0})),
             DayTask(1, 2, 60, frozenset({0, 1}), volume_l=10, tips=frozenset({0, 1})),
             DayTask(2, 3, 60, frozenset({1}), volume_l=0, tips=frozenset())]
    assert _reload_tips(tasks, frozenset({0, 1}), 2, 5) == [5]
    assert _reload_tips(tasks, frozenset({1, 2}), 2, 5) == [5, 6]  # nothing to carry: no bar
    streets = [_collection(f"res{i}", 1 + i, "residual") for i in range(6)]
    streets += [_collection(f"rec{i}", 3 + i, "dry_recycling") for i in range(4)]
    crews = [_crew("R"), dataclasses.replace(_crew("D"), equipment=frozenset({"rcv", "mrf"}))]
    streets = [dataclasses.replace(t, equipment="mrf") if t.stream == "dry_recycling" else t for t in streets]
    p = _problem(streets, STREAM_TIPS, crews=crews)
    log = ProgressLog()
    r = solve(p, time_limit_s=2, progress=log, seed=2)
    assert check(p, r) == [] and not r.unplanned
    assert [m for _, _, m in log.reports if "routes by PyVRP kept" in m]
    assert set(_tips_of(r, "R")) == {"transfer"} and set(_tips_of(r, "D")) <= {"mrf", "transfer"}
