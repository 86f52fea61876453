"""Split-body vehicles (a recycling body and a food pod): a load per compartment in the simulator, the checker
and PyVRP; a task whose stream no compartment takes is left out with a reason naming the stream and vehicle."""

from __future__ import annotations

import dataclasses

import pytest

from envservices.planning.build import straight_line_travel
from envservices.planning.check import check
from envservices.planning.engine.compartments import LoadDimensions
from envservices.planning.engine.eligibility import eligibility
from envservices.planning.engine.result import result_of
from envservices.planning.engine.state import Search
from envservices.planning.problem import (
    PlanningProblem,
    PlanResult,
    ProblemCompartment,
    ProblemCrew,
    ProblemPin,
    ProblemTask,
    ProblemTip,
)
from envservices.planning.solve import solve
from envservices.planning.stop import IterationLimit

H = 3600
# depot, six streets east, a transfer station (recycling and food) beyond them, an AD plant (food only) and
# an MRF (recycling only) near the depot
POINTS = [(0.0, 0.0)] + [(500.0 * i, 0.0) for i in range(1, 7)] + [(4000.0, 0.0), (200.0, 300.0), (200.0, -300.0)]
TRANSFER, AD, MRF = 7, 8, 9
RECYCLING, FOOD = "dry_recycling", "food"


def split_crew(cid: str = "S", recycling_l: int = 700, food_l: int = 300) -> ProblemCrew:
    """A 1,000 l body split 70 % recycling, 30 % food."""
    return ProblemCrew(cid, frozenset({"hgv"}), 0, recycling_l + food_l, 6 * H, 16 * H, frozenset({"rcv"}),
                       compartments=(ProblemCompartment(frozenset({RECYCLING}), recycling_l),
                                     ProblemCompartment(frozenset({FOOD}), food_l)))


def collection(tid: str, loc: int, stream: str, volume_l: int = 100) -> ProblemTask:
    return ProblemTask(tid, f"street{loc}", loc, f"refuse_{stream}", "hgv", 300, 0, 0, equipment="rcv",
                       volume_l=volume_l, stream=stream)


def streets(n: int = 6) -> list[ProblemTask]:
    """Each street: 100 l of recycling and 100 l of food, recycling first."""
    out = []
    for i in range(1, n + 1):
        out += [collection(f"rec{i}", i, RECYCLING), collection(f"food{i}", i, FOOD)]
    return out


ONE_TIP = (ProblemTip("transfer", TRANSFER, 6 * H, 18 * H, 900, streams=frozenset({RECYCLING, FOOD})),)
TWO_TIPS = (ProblemTip("ad", AD, 6 * H, 18 * H, 600, streams=frozenset({FOOD})),
            ProblemTip("mrf", MRF, 6 * H, 18 * H, 600, streams=frozenset({RECYCLING})))


def problem(tasks, crews, tips=ONE_TIP, **kw) -> PlanningProblem:
    travel = straight_line_travel(30.0, 1.3)(POINTS)
    return PlanningProblem(tuple(tasks), tuple(crews), travel, days=1, tips=tuple(tips), **kw)


def simulated(p: PlanningProblem, order: list[str], crew: str = "S") -> tuple[PlanResult, Search]:
    """The crew-day's exact schedule for tasks in this order, as a plan (no search)."""
    s = Search(p, seed=0)
    eligibility(s)
    k = s.cd_index[(crew, 0)]
    seq = [s.task_index[t] for t in order]
    sim = s._simulate(k, seq)
    assert sim is not None
    s._set_route(k, seq, sim)
    return result_of(s, "feasible", 0, "test"), s


def tips_before(r: PlanResult) -> list[tuple[str, list[str]]]:
    """(tip, tasks done since the previous tip) for each tip stop of the plan's one route."""
    out, since = [], []
    for st in r.routes[0].stops:
        if st.kind == "task":
            since.append(st.task)
        elif st.kind == "tip":
            out.append((st.tip, since))
            since = []
    return out


def test_the_food_pod_fills_first_and_the_crew_tips_before_the_recycling_body_is_full():
    """Six streets of 100 l recycling and 100 l food: the 300 l food pod is full after three streets, so the
    crew tips before the fourth street's food, with only 400 l in the 700 l recycling body; a one-body
    1,000 l vehicle would need a tip only for the 1,200 l in all, after five streets."""
    p = problem(streets(), [split_crew()])
    order = [t.id for t in p.tasks]
    r, _ = simulated(p, order)
    assert check(p, r) == []
    runs = tips_before(r)
    assert runs[0] == ("transfer", order[:7])  # rec1 food1 .. rec3 food3 rec4, then the tip before food4
    assert [t for t in runs[0][1] if t.startswith("rec")] == ["rec1", "rec2", "rec3", "rec4"]  # 400 of 700 l
    assert len(runs) == 2  # and the day's last load

    one_body = problem(streets(), [dataclasses.replace(split_crew(), compartments=())])
    r1, _ = simulated(one_body, order)
    assert check(one_body, r1) == []
    assert tips_before(r1)[0] == ("transfer", order[:10])


def test_a_food_only_tip_empties_the_food_pod_and_the_recycling_keeps_its_load():
    """With food going to AD and recycling to an MRF: the full food pod goes to AD mid-route (the recycling
    stays aboard, it is not full), and the day ends at both tips; no compartment ever overflows."""
    p = problem(streets(), [split_crew()], tips=TWO_TIPS)
    order = [t.id for t in p.tasks]
    r, _ = simulated(p, order)
    assert check(p, r) == []
    runs = tips_before(r)
    assert runs[0] == ("ad", order[:7])
    assert [tip for tip, _ in runs[1:]] in (["ad", "mrf"], ["mrf", "ad"])  # both bodies emptied at the end


def test_the_plan_tips_for_food_first_and_checks_clean():
    """The whole engine (PyVRP pass included where installed) on the split body: every task planned, the
    checker finds nothing, and the first tip run comes before the recycling body holds 700 l."""
    tasks = streets()
    pins = tuple(ProblemPin(t.id, "S", 0) for t in tasks)
    p = problem(tasks, [split_crew()], pins=pins)
    r = solve(p, time_limit_s=30, stop=IterationLimit(300), seed=1)
    assert check(p, r) == []
    assert not r.unplanned
    first = tips_before(r)[0][1]
    assert sum(1 for t in first if t.startswith("food")) == 3
    assert sum(1 for t in first if t.startswith("rec")) < 7


def test_the_checker_names_the_crew_day_compartment_and_stop_of_an_overflow():
    """A schedule made for a 500 l food pod, checked against the vehicle with a 300 l pod: the fourth food
    collection overflows it, and the checker says which crew-day, compartment and stop."""
    tasks = streets(4)
    big_pod = problem(tasks, [split_crew(recycling_l=700, food_l=500)])
    order = [t.id for t in tasks]
    r, _ = simulated(big_pod, order)
    assert check(big_pod, r) == []
    small_pod = problem(tasks, [split_crew()])
    assert check(small_pod, r) == [
        "task food4: route S day 0: compartment 2 (food, 300 l) holds 400 l after this stop, more than its 300 l"]


def test_a_stream_no_compartment_takes_is_left_out_naming_the_stream_and_the_vehicle():
    """Garden waste on a recycling-and-food vehicle: not eligible, with a reason naming both."""
    tasks = streets(2) + [collection("garden1", 3, "garden")]
    p = problem(tasks, [split_crew()], names={"S": "Split RCV crew"})
    r = solve(p, time_limit_s=10, stop=IterationLimit(100), seed=1)
    assert check(p, r) == []
    reasons = dict(r.unplanned)
    assert list(reasons) == ["garden1"]
    assert reasons["garden1"] == "no compartment of the vehicle of Split RCV crew takes garden"


def test_the_simulator_never_overflows_a_compartment_and_refuses_a_load_bigger_than_it():
    """A 400 l food collection cannot go in a 300 l pod: the simulator refuses the route (eligibility then
    leaves it out), while the 1,000 l body as a whole would hold it."""
    p = problem([collection("food-big", 1, FOOD, volume_l=400)], [split_crew()])
    s = Search(p, seed=0)
    eligibility(s)
    assert s._simulate(s.cd_index[("S", 0)], [0]) is None
    assert s.reason[0] == "its volume (400 l) is more than any able crew's vehicle holds"


def test_pyvrp_sees_one_load_dimension_per_compartment():
    """A day with a split-body crew and a one-body crew: three dimensions (the one body's, then the split
    body's recycling and food); each vehicle is bounded on its own and unbounded on the other's."""
    single = dataclasses.replace(split_crew("B"), compartments=(), capacity_l=900)
    p = problem(streets(2), [single, split_crew()])
    s = Search(p, seed=0)
    dims = LoadDimensions.of_day(s, [s.cd_index[("B", 0)], s.cd_index[("S", 0)]])
    assert dims is not None and dims.size == 3
    big = dims.unbounded
    assert dims.capacities(s.cd_index[("B", 0)]) == (900, big, big)
    assert dims.capacities(s.cd_index[("S", 0)]) == (big, 700, 300)
    assert dims.loads([s.task_index["rec1"]]) == (100, 100, 0)
    assert dims.loads([s.task_index["food1"], s.task_index["food2"]]) == (200, 0, 200)
    assert LoadDimensions.of_day(s, [s.cd_index[("B", 0)]]) is None  # no split body: one dimension as before


def test_pyvrp_keeps_each_compartment_within_its_litres():
    """Straight to PyVRP with no tip: two split-body crew-days and 600 l of food in 100 l collections; each
    route takes at most its pod's 300 l of food, so both crews work (one body of 1,000 l would take it all)."""
    pytest.importorskip("pyvrp")
    from envservices.planning.day_routing import route_day
    from envservices.planning.engine.pyvrp_days import _day_inputs

    p = problem(streets(), [split_crew(), split_crew("T")], tips=())
    s = Search(p, seed=0)
    eligibility(s)
    tasks, crews, _initial, _bundles = _day_inputs(s, 0, offer_all=True)
    assert [c.capacities for c in crews] == [(700, 300), (700, 300)]
    routes = route_day(tasks, crews, [], s.dur_s, s.dist_m, 1.0, seed=0)
    assert routes is not None
    food = [sum(1 for t in seq if p.tasks[t].stream == FOOD) for seq in routes.values()]
    assert sorted(food) == [3, 3]
    for k, seq in routes.items():
        assert s._simulate(k, seq) is not None


def test_a_split_body_vehicle_is_stored_and_becomes_a_planning_vehicle_with_compartments(tmp_path):
    """Saved and read back with its compartments; a vehicle from a database made before them (migration
    0007) reads back with none, one body as before; the week's problem carries the compartments in litres."""
    import datetime as dt

    from shapely.geometry import Point

    from envservices.domain.model import BodyCompartment, Crew, Site, SiteKind, Vehicle, VehicleKind
    from envservices.planning import build_problem
    from envservices.storage import migrate, open_database

    split = Vehicle("veh-s", "Split RCV", VehicleKind.REFUSE_VEHICLE, 20_000.0, frozenset({"rcv", "food_vehicle"}),
                    (BodyCompartment(frozenset({RECYCLING}), 15_000.0), BodyCompartment(frozenset({FOOD}), 5_000.0)))
    old = tmp_path / "old.sqlite"
    migrate.upgrade(f"sqlite:///{old}", "0007")
    import sqlite3
    with sqlite3.connect(old) as connection:
        connection.execute("insert into vehicles (id, name, kind, capacity_l, equipment) values "
                           "('veh-old', 'Old RCV', 'refuse_vehicle', 22000, '[\"rcv\"]')")
    db = open_database(str(old))
    try:
        with db.unit_of_work() as uow:
            assert uow.vehicles.get("veh-old").compartments == ()
            uow.vehicles.add(split)
            uow.commit()
        with db.unit_of_work() as uow:
            assert uow.vehicles.get("veh-s") == split
    finally:
        db.dispose()

    depot = Site("depot-1", SiteKind.DEPOT, "Depot", Point(0, 0))
    crew = Crew("crew-s", "Split crew", "depot-1", "veh-s", (), 6 * H, 15 * H)
    p = build_problem([], [crew], {"veh-s": split}, [depot], dt.date(2027, 6, 7))
    assert p.crews[0].compartments == (ProblemCompartment(frozenset({RECYCLING}), 15_000),
                                       ProblemCompartment(frozenset({FOOD}), 5_000))
    assert p.crews[0].capacity_l == 20_000


def test_a_pin_to_a_split_body_crew_names_the_stream_no_compartment_takes():
    """A garden collection cannot be pinned to the recycling-and-food vehicle's crew; a food one can."""
    import datetime as dt

    from envservices.domain.model import Skill, Task
    from envservices.services.pins import why_not

    day = dt.date(2027, 6, 7)
    garden = Task("g1", "refuse_garden", "p1", 0.0, 0.0, Skill.HGV, 300, day, day, volume_l=50.0, stream="garden")
    assert why_not(garden, split_crew(), day, crew_name="Split crew") == \
        "no compartment of Split crew's vehicle takes garden"
    food = dataclasses.replace(garden, stream=FOOD)
    assert why_not(food, split_crew(), day) is None
