"""The coarse filters that send a task to crews before any route is built (the assignment's allowed
crew-days, the area pieces, the depot split, the district benchmark's bound) size a task against the
compartment that takes its stream, not the vehicle's whole body: a 400 l food load does not fit a split
body's 300 l food pod, though the body is 1,000 l."""

from __future__ import annotations

from envservices.bench.district import _least_loads
from envservices.planning.engine.assign_cpsat import basic_allowed
from envservices.planning.engine.compartments import holds, room_l
from envservices.planning.engine.decompose import split_by_depot
from envservices.planning.engine.pieces import _can
from envservices.planning.problem import ProblemCrew
from tests.test_planning_split_body import FOOD, RECYCLING, H, collection, problem, split_crew

FAR_DEPOT = 6  # the street at 3 km: the one-body crew's depot in the depot-split test


def one_body(cid: str = "B", litres: int = 500, depot: int = 0) -> ProblemCrew:
    return ProblemCrew(cid, frozenset({"hgv"}), depot, litres, 6 * H, 16 * H, frozenset({"rcv"}))


def test_room_is_the_compartment_that_takes_the_stream():
    s, b = split_crew(), one_body()
    assert (room_l(s, RECYCLING), room_l(s, FOOD), room_l(s, "garden")) == (700, 300, 0)
    assert room_l(b, FOOD) == room_l(b, None) == 500
    big_food = collection("food1", 1, FOOD, volume_l=400)
    assert s.capacity_l >= big_food.volume_l and not holds(s, big_food) and holds(b, big_food)


def test_the_assignment_offers_a_big_food_load_only_to_a_vehicle_whose_compartment_holds_it():
    p = problem([collection("food1", 1, FOOD, volume_l=400), collection("rec1", 1, RECYCLING, volume_l=400),
                 collection("garden1", 2, "garden", volume_l=100)], [split_crew(), one_body()])
    allowed = basic_allowed(p)
    assert allowed["food1"] == [("B", 0)]  # the split body is 1,000 l but its food pod 300 l
    assert allowed["rec1"] == [("S", 0), ("B", 0)]
    assert allowed["garden1"] == [("B", 0)]  # no compartment of S takes garden


def test_the_area_pieces_count_a_task_doable_only_by_a_compartment_that_holds_it():
    food = collection("food1", 1, FOOD, volume_l=400)
    assert not _can(split_crew(), food) and _can(one_body(), food)


def test_the_depot_split_sends_a_big_food_load_to_the_depot_whose_vehicle_holds_it():
    near = collection("food1", 1, FOOD, volume_l=400)  # 500 m from the split crew's depot, 2.5 km from B's
    parts = split_by_depot(problem([near], [split_crew(), one_body(depot=FAR_DEPOT)]))
    assert [([t.id for t in part.tasks], [c.id for c in part.crews]) for part in parts] == [(["food1"], ["B"])]


def test_the_benchmark_bound_counts_the_loads_the_food_pod_needs():
    food = [collection(f"food{i}", i, FOOD, volume_l=250) for i in range(1, 7)]  # 1,500 l of food
    # the whole 1,000 l body would say two loads; the 300 l pod needs five
    assert _least_loads(food, "hgv", [split_crew()], 1500, 1000) == 5
    assert _least_loads(food, "hgv", [one_body(litres=1000)], 1500, 1000) == 2
