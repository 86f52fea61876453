"""`envservices bench solomon|pvrp|carp|district`: run a benchmark and print a table a person can compare, or JSON.

Rows always carry instance, solver, vehicles, cost, bks_cost, gap_pct and seconds, so runs on different days
or machines can be lined up; the header names the best-known table and objective the gaps are measured
against.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import sys
from pathlib import Path

from envservices.bench.district import DEFAULT_SCALES, _peak_memory_mb
from envservices.errors import UserError
from envservices.planning.params import MASTERS


def _gap(cost: float | None, bks: float | None) -> float | None:
    if cost is None or not bks:
        return None
    return round(100.0 * (cost - bks) / bks, 2)


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def _table(rows: list[dict], columns: list[tuple[str, str, int]]) -> str:
    head = [title for _, title, _ in columns]
    body = [[_fmt(r.get(key), digits) for key, _, digits in columns] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body]
    return "\n".join(lines)


def _means(rows: list[dict]) -> list[dict]:
    """Per-solver mean and worst gap and mean seconds over the rows that have a gap."""
    out = []
    for solver in dict.fromkeys(r["solver"] for r in rows):
        mine = [r for r in rows if r["solver"] == solver]
        gaps = [r["gap_pct"] for r in mine if r["gap_pct"] is not None]
        out.append({
            "solver": solver, "solved": f"{len(gaps)}/{len(mine)}",
            "mean_gap_pct": round(sum(gaps) / len(gaps), 2) if gaps else None,
            "worst_gap_pct": max(gaps) if gaps else None,
            "mean_seconds": round(sum(r["seconds"] for r in mine) / len(mine), 1) if mine else None,
        })
    return out


def bench_solomon(directory: Path, time_limit_s: float, instances: list[str] | None,
                  solvers: list[str], seed: int = 0) -> tuple[str, list[dict]]:
    from envservices.bench import solomon

    files = sorted(p for p in directory.glob("*.txt") if p.name.lower() != "readme.txt")
    if instances:
        wanted = {name.upper() for name in instances}
        files = [p for p in files if p.stem.upper() in wanted]
    if not files:
        raise UserError(f"no Solomon instance files (*.txt) found in {directory}")
    unknown = [s for s in solvers if s not in solomon.SOLVERS]
    if unknown:
        raise UserError(f"unknown solver {unknown[0]!r}; choose from {', '.join(solomon.SOLVERS)}")
    table = solomon.choose_bks(directory)
    rows = []
    for path in files:
        instance = solomon.read_solomon(path)
        bks = table.values.get(instance.name)
        for solver in solvers:
            run = solomon.run_instance(instance, solver, bks, time_limit_s, seed)
            feasible = run.cost is not None and not run.violations
            rows.append({
                "instance": instance.name, "solver": solver, "vehicles": run.vehicles if run.routes else None,
                "cost": run.cost, "bks_vehicles": bks.vehicles if bks else None,
                "bks_cost": bks.cost if bks else None,
                "gap_pct": _gap(run.cost, bks.cost if bks else None) if feasible else None,
                "seconds": round(run.seconds, 1), "feasible": feasible,
                "note": "; ".join(filter(None, [run.note, *run.violations[:2]])),
            })
            print(f"  {instance.name} {solver}: {_fmt(run.cost)} ({run.seconds:.0f} s) {rows[-1]['note']}",
                  file=sys.stderr, flush=True)
    header = (f"Solomon VRPTW, {len(files)} instances, {time_limit_s:g} s each, fleet = best-known vehicles "
              f"(raised only if infeasible). Best-known table: {table.file} ({table.objective}). "
              f"Costs recomputed by our DIMACS evaluator. {_machine()}, {dt.date.today()}.")
    return header, rows


def bench_pvrp(directory: Path, time_limit_s: float, instances: list[str] | None,
               seed: int = 0) -> tuple[str, list[dict]]:
    from envservices.bench import pvrp, solomon

    files = pvrp.find_instances(directory)
    if instances:
        files = [p for p in files if p.stem in set(instances)]
    if not files:
        raise UserError(f"no PVRP-IF instance files (*.geojson) found in {directory}")
    bks_path = directory / "bks.csv"
    bks = solomon.read_bks(directory) if bks_path.exists() else {}
    rows = []
    for path in files:
        instance = pvrp.read_pvrp(path)
        plan = pvrp.solve_pvrp(instance, time_limit_s, seed)
        cost, problems = pvrp.evaluate(instance, plan.routes)
        best = bks.get(instance.name)
        rows.append({
            "instance": instance.name, "solver": "envservices",
            "vehicles": max((sum(1 for r in plan.routes if r.day == d) for d in range(instance.horizon_days)),
                            default=0),
            "cost": float(cost), "bks_vehicles": best.vehicles if best else None,
            "bks_cost": best.cost if best else None,
            "gap_pct": _gap(float(cost), best.cost if best else None) if not problems else None,
            "seconds": round(plan.seconds, 1), "feasible": not problems, "note": "; ".join(problems[:2]),
            "peak_memory_mb": round(_peak_memory_mb()),
        })
        print(f"  {instance.name}: {cost} ({plan.seconds:.0f} s, {plan.iterations} rounds)", file=sys.stderr,
              flush=True)
    header = (f"PVRP-IF (Taverna & Tilk), {len(files)} instances, {time_limit_s:g} s each. "
              f"Cost = total travel time as in the published reports; vehicles = most routes on one day. "
              f"Best-known: bks.csv "
              f"(best UB, most proven optimal). {_machine()}, {dt.date.today()}.")
    return header, rows


def bench_carp(directory: Path, time_limit_s: float, instances: list[str] | None, solvers: list[str],
               seed: int = 0) -> tuple[str, list[dict]]:
    from envservices.bench import carp

    files = sorted(directory.glob("*.dat"))
    if instances:
        files = [p for p in files if p.stem in set(instances)]
    if not files:
        raise UserError(f"no CARP instance files (*.dat) found in {directory}")
    unknown = [s for s in solvers if s not in carp.SOLVERS]
    if unknown:
        raise UserError(f"unknown solver {unknown[0]!r}; choose from {', '.join(carp.SOLVERS)}")
    bks = carp.read_bks(directory)
    rows = []
    for path in files:
        instance = carp.read_carp(path)
        best = bks.get(instance.name) or bks.get(path.stem)
        for solver in solvers:
            run = carp.run_instance(instance, solver, time_limit_s, seed)
            rows.append({
                "instance": instance.name, "solver": solver, "vehicles": len(run.routes) if run.routes else None,
                "cost": None if run.cost is None else float(run.cost),
                "bks_vehicles": best[0] if best else None, "bks_cost": best[1] if best else None,
                "gap_pct": _gap(run.cost, best[1] if best else None) if run.cost is not None else None,
                "seconds": round(run.seconds, 1), "feasible": run.cost is not None,
                "note": run.note or ("" if best else "no best-known value in bks.csv"),
                "peak_memory_mb": round(_peak_memory_mb()),
            })
            print(f"  {instance.name} {solver}: {_fmt(run.cost)} ({run.seconds:.0f} s) {rows[-1]['note']}",
                  file=sys.stderr, flush=True)
    header = (f"CARP (CARPLIB), {len(files)} instances, {time_limit_s:g} s each per solver. Cost = required "
              f"edges' cost plus deadheading, recomputed by our evaluator; best-known: bks.csv "
              f"(instances without a value there get no gap). memory = process peak RSS so far. "
              f"{_machine()}, {dt.date.today()}.")
    return header, rows


def bench_district(scales: list[float], time_limit_s: float, seed: int = 1,
                   sources: tuple[str, ...] = ("rota",), masters: tuple[str, ...] = ("auto",)
                   ) -> tuple[str, list[dict]]:
    from envservices.bench.district import run_district

    rows = []
    for scale, source, master in itertools.product(scales, sources, masters):
        run = run_district(scale, time_limit_s, seed, source=source, master=master)
        rows.append({
            "instance": f"demo x{scale:g} {source}", "solver": "envservices", "master": master,
            "vehicles": run.crews,
            "tasks": run.tasks,
            "cost": run.cost, "bks_cost": None, "gap_pct": None, "seconds": round(run.seconds, 1),
            "first_feasible_s": None if run.first_feasible_s is None else round(run.first_feasible_s, 1),
            "crew_hours": round(run.crew_hours, 1), "task_hours": round(run.task_hours, 1),
            "hours_ratio": round(run.crew_hours / run.task_hours, 2) if run.task_hours else None,
            "unplanned": run.unplanned, "violations": run.violations, "build_s": round(run.build_s, 1),
            "peak_memory_mb": round(run.peak_memory_mb), "status": run.status,
            "crew_days": run.crew_days, "crew_days_bound": run.crew_days_bound, "source": run.source,
            "unplanned_urgent": run.unplanned_urgent, "crew_days_bound_travel": run.crew_days_bound_travel,
            "operating_cost": run.operating_cost, "paid_hours": run.paid_hours,
        })
    header = (f"Demo district week {time_limit_s:g} s limit. build = demo district + week's rota work into a "
              f"problem; first/final s = solver only; task h = sum of planned task durations "
              f"(a lower bound on crew h); crew-days bound = task h / longest shift, rounded up, per skill; "
              f"travel bound = the same with the travel, unloading and depot legs it can prove; "
              f"crew h = depart to return of each crew-day worked (breaks, tips and waiting in, idle shift "
              f"time after return out); op. cost = crew hours, km and crew-day costs; "
              f"violations = independent checker; "
              f"memory = process peak RSS so far. "
              f"{_machine()}, {dt.date.today()}.")
    return header, rows


SOLVER_COLUMNS = [("instance", "instance", 0), ("solver", "solver", 0), ("vehicles", "veh", 0),
                  ("cost", "cost", 1), ("bks_vehicles", "bks veh", 0), ("bks_cost", "bks", 1),
                  ("gap_pct", "gap %", 2), ("seconds", "s", 1), ("peak_memory_mb", "peak MB", 0),
                  ("note", "note", 0)]
DISTRICT_COLUMNS = [("instance", "district", 0), ("master", "master", 0), ("tasks", "tasks", 0),
                    ("vehicles", "crews", 0),
                    ("build_s", "build s", 1), ("first_feasible_s", "first s", 1), ("seconds", "final s", 1),
                    ("cost", "cost", 0), ("operating_cost", "op. cost", 0), ("crew_days", "crew-days", 0),
                    ("crew_days_bound", "bound", 0), ("crew_days_bound_travel", "travel bound", 0),
                    ("crew_hours", "crew h", 1), ("task_hours", "task h", 1), ("hours_ratio", "ratio", 2),
                    ("unplanned", "left out", 0), ("unplanned_urgent", "urgent out", 0),
                    ("violations", "violations", 0),
                    ("peak_memory_mb", "peak MB", 0),
                    ("status", "status", 0)]
ROUNDS_COLUMNS = [("instance", "demo", 0), ("crew_days_today", "crew-days today", 0), ("crew_days", "new", 0),
                  ("crew_hours_today", "crew h today", 1), ("crew_hours", "new", 1),
                  ("crew_hours_change_pct", "crew h %", 1), ("vehicle_hours_change_pct", "vehicle h %", 1),
                  ("km_today", "km today", 1), ("km", "new", 1), ("households_changed_pct", "changed %", 1),
                  ("vehicles", "vehicles", 0), ("build_s", "build s", 1), ("seconds", "design s", 1),
                  ("peak_memory_mb", "peak MB", 0)]
MEAN_COLUMNS = [("solver", "solver", 0), ("solved", "feasible", 0), ("mean_gap_pct", "mean gap %", 2),
                ("worst_gap_pct", "worst gap %", 2), ("mean_seconds", "mean s", 1)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="envservices bench", description="Run a routing benchmark.")
    sub = parser.add_subparsers(dest="which", required=True)
    s = sub.add_parser("solomon", help="Solomon VRPTW against best-known distance, PyVRP and OR-Tools")
    s.add_argument("directory", type=Path)
    s.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance and solver")
    s.add_argument("--instances", help="comma-separated names, e.g. C101,R101")
    s.add_argument("--solvers", default="envservices,pyvrp,ortools")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", action="store_true")
    p = sub.add_parser("pvrp", help="periodic VRP with intermediate facilities (choose days, route them)")
    p.add_argument("directory", type=Path)
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--instances", help="comma-separated names, e.g. Milano_020_4_0")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    c = sub.add_parser("carp", help="capacitated arc routing (gdb), our solver and a plain OR-Tools model")
    c.add_argument("directory", type=Path)
    c.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance and solver")
    c.add_argument("--instances", help="comma-separated names, e.g. gdb1,gdb10")
    c.add_argument("--solvers", default="envservices,ortools")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--json", action="store_true")
    r = sub.add_parser("rounds", help="round design on the demo: today's rounds against the re-drawn ones")
    r.add_argument("--scale", type=float, default=1.0)
    r.add_argument("--stream", default="residual")
    r.add_argument("--max-change", type=float, default=0.10, help="share of households that may change day")
    r.add_argument("--time-limit", type=float, default=120.0, help="seconds of routing in all")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--json", action="store_true")
    d = sub.add_parser("district", help="the demo district's week at scale 1, 4 and 16")
    d.add_argument("--scale", type=float, help="only this scale")
    d.add_argument("--time-limit", type=float, default=60.0)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--source", default="rota", help="the week's work: rota, needs, or both (rota,needs)")
    d.add_argument("--master", default="auto",
                   help="who assigns tasks to crew-days first: auto (as the application), engine, cpsat, or "
                        "several side by side (engine,cpsat)")
    d.add_argument("--json", action="store_true")
    return parser


def run_bench(argv: list[str]) -> int:
    """Entry point of `envservices bench ...` and `python -m envservices.bench ...`; returns the exit code."""
    if argv[:1] == ["load"]:  # concurrent clients / 50,000-asset import: envservices.bench.load has its options
        from envservices.bench.load import main as load_main

        return load_main(argv[1:])
    args = _parser().parse_args(argv)
    if getattr(args, "time_limit", 1) <= 0:
        raise UserError("the time limit must be more than 0 seconds")
    if args.which in ("solomon", "pvrp", "carp") and not args.directory.is_dir():
        raise UserError(f"{args.directory} is not a directory of benchmark instances")
    given = getattr(args, "instances", None)
    names = [n.strip() for n in given.split(",") if n.strip()] if given else None
    if args.which == "solomon":
        solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
        header, rows = bench_solomon(args.directory, args.time_limit, names, solvers, args.seed)
        columns = SOLVER_COLUMNS
    elif args.which == "pvrp":
        header, rows = bench_pvrp(args.directory, args.time_limit, names, args.seed)
        columns = SOLVER_COLUMNS
    elif args.which == "carp":
        solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
        header, rows = bench_carp(args.directory, args.time_limit, names, solvers, args.seed)
        columns = SOLVER_COLUMNS
    elif args.which == "rounds":
        from envservices.bench.rounds import run_rounds

        rows = [run_rounds(args.scale, args.stream, args.max_change, args.time_limit, args.seed)]
        header = (f"Round design on the demo ({args.stream}, at most {args.max_change:.0%} of households changing "
                  f"day, {args.time_limit:g} s of routing): today's rounds and the new ones routed by the same "
                  f"day router. Crew hours are paid (a crew-day is paid its full shift). {_machine()}, "
                  f"{dt.date.today()}.")
        columns = ROUNDS_COLUMNS
    else:
        scales = [args.scale] if args.scale else list(DEFAULT_SCALES)
        sources = tuple(x.strip() for x in args.source.split(",") if x.strip())
        if not sources or any(x not in ("rota", "needs") for x in sources):
            raise UserError(f"--source must be rota, needs or rota,needs, not {args.source!r}")
        masters = tuple(x.strip() for x in args.master.split(",") if x.strip())
        if not masters or any(x not in MASTERS for x in masters):
            raise UserError(f"--master must be auto, engine, cpsat or several of them, not {args.master!r}")
        header, rows = bench_district(scales, args.time_limit, args.seed, sources, masters)
        columns = DISTRICT_COLUMNS
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(header)
    print()
    print(_table(rows, columns))
    if args.which not in ("district", "rounds"):
        print()
        print(_table(_means(rows), MEAN_COLUMNS))
    return 0



