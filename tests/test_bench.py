"""Benchmarks: parsers, evaluators reproducing published costs, and tiny solver runs that must be feasible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envservices.bench import pvrp, solomon
from envservices.bench.runner import run_bench
from envservices.errors import UserError

SHARED = Path(__file__).resolve().parents[2] / "shared"
SOLOMON = SHARED / "data" / "benchmarks" / "solomon"
PVRP = SHARED / "data" / "benchmarks" / "pvrp_if"

needs_solomon = pytest.mark.skipif(not SOLOMON.is_dir(), reason="shared Solomon benchmark data not present")
needs_pvrp = pytest.mark.skipif(not PVRP.is_dir(), reason="shared PVRP-IF benchmark data not present")


@needs_solomon
def test_solomon_parser_reads_c101():
    inst = solomon.read_solomon(SOLOMON / "C101.txt")
    assert inst.name == "C101"
    assert inst.customers == 100
    assert inst.capacity == 200
    assert inst.vehicles_max == 25
    assert inst.due[0] == 1236
    assert (inst.ready[5], inst.due[5], inst.service[5], inst.demand[5]) == (15, 67, 90, 10)


def test_solomon_parser_refuses_other_text(tmp_path):
    bad = tmp_path / "X.txt"
    bad.write_text("hello\r\nworld\r\n")
    with pytest.raises(UserError, match="not a Solomon"):
        solomon.read_solomon(bad)


@needs_solomon
@pytest.mark.parametrize("name", ["C101", "C201", "R101", "R202", "RC101", "RC202"])
def test_evaluator_reproduces_cvrplib_costs(name):
    inst = solomon.read_solomon(SOLOMON / f"{name}.txt")
    routes, stated = solomon.read_cvrplib_solution(SOLOMON / "cvrplib_solutions" / f"{name}.sol")
    assert solomon.route_cost(inst, routes) == pytest.approx(stated, abs=1e-9)
    assert solomon.check_routes(inst, routes) == []


@needs_solomon
def test_checker_catches_broken_solutions():
    inst = solomon.read_solomon(SOLOMON / "C101.txt")
    routes, _ = solomon.read_cvrplib_solution(SOLOMON / "cvrplib_solutions" / "C101.sol")
    dropped = [routes[0][1:], *routes[1:]]
    assert any("not served" in p for p in solomon.check_routes(inst, dropped))
    reversed_first = [routes[0][::-1], *routes[1:]]
    assert any("after due" in p for p in solomon.check_routes(inst, reversed_first))
    merged = [routes[0] + routes[1], *routes[2:]]
    assert any("capacity" in p for p in solomon.check_routes(inst, merged))
    assert any("fleet" in p for p in solomon.check_routes(inst, routes, vehicles=9))


@needs_solomon
def test_bks_table_prefers_distance_objective():
    table = solomon.choose_bks(SOLOMON)
    assert table.file == "bks_distance.csv"
    assert table.values["R101"].vehicles == 20 and table.values["R101"].cost == pytest.approx(1637.7)
    assert solomon.read_bks(SOLOMON)["R101"].cost == pytest.approx(1645.79)


@needs_solomon
@pytest.mark.parametrize("solver", ["pyvrp", "ortools"])
def test_yardstick_solvers_return_feasible_routes_no_better_than_best_known(solver):
    inst = solomon.read_solomon(SOLOMON / "C201.txt")
    bks = solomon.choose_bks(SOLOMON).values["C201"]
    run = solomon.run_instance(inst, solver, bks, time_limit_s=2.0)
    assert run.violations == ()
    assert run.cost is not None and run.cost >= bks.cost - 1e-9
    assert run.seconds < 10


@needs_solomon
def test_our_engine_on_solomon_is_feasible_or_reported_not_ready():
    inst = solomon.read_solomon(SOLOMON / "C201.txt")
    bks = solomon.choose_bks(SOLOMON).values["C201"]
    run = solomon.run_instance(inst, "envservices", bks, time_limit_s=2.0)
    if run.note.startswith("n/a"):
        pytest.skip("planning engine not ready: " + run.note)
    assert run.cost is not None and run.cost >= bks.cost - 1e-9
    broken = [v for v in run.violations if "not served" not in v]
    assert broken == []  # what it does serve keeps every window, capacity and fleet rule
    if run.violations:
        pytest.xfail("the engine leaves Solomon customers out within 2 s: " + run.violations[0])


@needs_pvrp
def test_pvrp_parser_and_patterns():
    inst = pvrp.read_pvrp(PVRP / "planning horizon 4" / "Milano_020_4_0.geojson")
    assert (inst.horizon_days, inst.vehicles, inst.max_duration, inst.capacity) == (4, 2, 149, 107)
    assert inst.depot == 0 and inst.facilities == (21, 22) and len(inst.customers) == 20
    assert inst.patterns(1) == [(0, 2), (1, 3)]
    assert pvrp.allowed_patterns(3, 6) == [(0, 2, 4), (1, 3, 5)]
    assert pvrp.allowed_patterns(1, 4) == [(0,), (1,), (2,), (3,)]
    with pytest.raises(UserError):
        pvrp.allowed_patterns(3, 4)


@needs_pvrp
@pytest.mark.parametrize("report", sorted((PVRP / "solutions").glob("report_*.txt")) if PVRP.is_dir() else [],
                         ids=lambda p: p.name.split("_feasible")[0])
def test_pvrp_evaluator_matches_published_reports(report):
    name, stated, routes = pvrp.read_report(report)
    inst = pvrp.read_pvrp(next(p for p in pvrp.find_instances(PVRP) if p.stem == name))
    cost, problems = pvrp.evaluate(inst, routes)
    assert cost == stated
    assert problems == []


@needs_pvrp
def test_pvrp_evaluator_catches_broken_plans():
    _, _, routes = pvrp.read_report(PVRP / "solutions" / "report_Milano_020_4_0_feasible_562_0.txt")
    inst = pvrp.read_pvrp(PVRP / "planning horizon 4" / "Milano_020_4_0.geojson")
    first = routes[0]
    no_unload = pvrp.PvrpRoute(first.day, first.path[:-2] + (inst.depot,))
    assert any("without unloading" in p for p in pvrp.evaluate(inst, [no_unload, *routes[1:]])[1])
    moved = pvrp.PvrpRoute((first.day + 1) % 4, first.path)
    assert any("allowed" in p for p in pvrp.evaluate(inst, [moved, *routes[1:]])[1])
    long_day = [r for r in routes if r.day == 0]
    joined = pvrp.PvrpRoute(0, long_day[0].path[:-1] + long_day[1].path[1:])
    problems = pvrp.evaluate(inst, [joined, *routes[2:]])[1]
    assert any("lasts" in p for p in problems)


@needs_pvrp
def test_pvrp_solve_smallest_instance_is_feasible():
    inst = pvrp.read_pvrp(PVRP / "planning horizon 6" / "Roma_020_6_2.geojson")
    plan = pvrp.solve_pvrp(inst, time_limit_s=5.0)
    cost, problems = pvrp.evaluate(inst, plan.routes)
    assert problems == []
    assert cost == plan.cost >= 551
    visits = {c: sorted(r.day for r in plan.routes for v in r.path if v == c) for c in inst.customers}
    assert all(len(days) == inst.frequency[c] for c, days in visits.items())
    assert plan.seconds < 8


@needs_solomon
def test_runner_json_rows_have_the_agreed_fields(capsys):
    assert run_bench(["solomon", str(SOLOMON), "--time-limit", "1", "--instances", "C201",
                      "--solvers", "pyvrp", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    assert {"instance", "solver", "vehicles", "cost", "bks_cost", "gap_pct", "seconds"} <= rows[0].keys()
    assert rows[0]["instance"] == "C201" and rows[0]["bks_cost"] == pytest.approx(589.1)


def test_runner_refuses_missing_directory(tmp_path):
    with pytest.raises(UserError, match="not a directory"):
        run_bench(["pvrp", str(tmp_path / "nowhere")])


def test_district_run_reports_first_plan_hours_and_memory():
    from envservices.bench.district import run_district
    from envservices.planning.synthetic import synthetic_problem

    run = run_district(1.0, time_limit_s=2.0,
                       problem_for=lambda scale, seed: synthetic_problem(60, 2, seed=seed))
    assert run.tasks == 60 and run.crews == 2
    assert run.first_feasible_s is not None and run.first_feasible_s <= run.seconds
    assert run.seconds < 6
    assert run.task_hours > 0
    assert run.crew_hours >= run.task_hours  # crews also travel: the task time is a lower bound
    assert run.peak_memory_mb > 10
    assert run.violations == 0


def test_district_refuses_an_unknown_source():
    """`bench district --source` takes rota, needs or both; anything else is one sentence, nothing run."""
    with pytest.raises(UserError, match="--source"):
        run_bench(["district", "--scale", "1", "--source", "forecast"])


def test_district_run_counts_crew_days_against_the_bound():
    """Crew-days used are never fewer than the bound (task hours / longest shift, per skill, rounded up)."""
    from envservices.bench.district import run_district
    from envservices.planning.synthetic import synthetic_problem

    run = run_district(1.0, time_limit_s=2.0,
                       problem_for=lambda scale, seed: synthetic_problem(60, 2, seed=seed))
    assert 0 < run.crew_days_bound <= run.crew_days


def test_carp_reads_gdb1_and_both_solvers_give_routes_the_evaluator_accepts(shared_dir):
    """gdb1 (22 streets, capacity 5): every street served once in one direction, loads within capacity,
    cost at least the best-known 316; the evaluator refuses a street served twice."""
    from envservices.bench import carp

    inst = carp.read_carp(shared_dir / "data" / "benchmarks" / "carp" / "gdb1.dat")
    assert (inst.vertices, len(inst.required), inst.capacity, inst.service_cost) == (12, 22, 5, 252)
    for solver in carp.SOLVERS:
        run = carp.run_instance(inst, solver, time_limit_s=0.5)
        assert run.cost is not None and run.cost >= 316, run.note
    routes = [[(0, False)], [(0, True)], *[[(k, False)] for k in range(1, 22)]]
    _, problems = carp.evaluate(inst, routes)
    assert problems == ["edge 1 served 2 times"]


def test_district_run_reports_the_travel_bound_operating_cost_and_paid_hours():
    """The travel-aware bound is never below the plain one nor above the crew-days used; paid hours (whole
    shifts of the crew-days worked) are never fewer than the crew hours (depart to return)."""
    from envservices.bench.district import run_district
    from envservices.planning.synthetic import synthetic_problem

    run = run_district(1.0, time_limit_s=2.0,
                       problem_for=lambda scale, seed: synthetic_problem(60, 2, seed=seed))
    assert run.crew_days_bound <= run.crew_days_bound_travel <= run.crew_days
    assert run.operating_cost > 0
    assert run.paid_hours >= run.crew_hours


def test_district_refuses_an_unknown_master():
    """`bench district --master` takes auto, engine, cpsat or several; anything else is one sentence."""
    with pytest.raises(UserError, match="--master"):
        run_bench(["district", "--scale", "1", "--master", "gurobi"])
