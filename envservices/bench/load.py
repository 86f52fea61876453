"""`envservices bench load`: many people on one database at once, and a district of 50,000 assets.

Load: N client processes (processes, so Python's lock does not serialise them) each open their own
connection pool and, for S seconds, record observations (most of the traffic, as team leaders do from the
field), read the week's plan and the latest grades (as supervisors and managers do), and mark visits on the
shared plan (which contends on one row, so optimistic locking and retries are exercised). Each operation is
a whole transaction run again on a deadlock or serialization failure (counted). At the end every
acknowledged write is looked for: observations by id (none missing, none doubled), marks by their audit rows.

Scale (`--import-assets N`): generate a GeoJSON of N litter bins over the demo district, import it through the
same service the desktop uses, time it, then plan a week on that database with a short time limit.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json as json_module
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envservices.errors import ConflictError, UserError

BENCH_WEEK = "2026-W45"
BENCH_DAY = dt.date(2026, 11, 2)
OPERATIONS = ("record_observation", "read_plan", "read_latest_grades", "mark_visit")
WEIGHTS = (0.6, 0.25, 0.1, 0.05)
DEMO_SCALE = 0.3
PLAN_VISITS = 300


@dataclass
class ClientResult:
    """What one client did: latencies per operation (seconds), the writes acknowledged to it, retries."""

    client: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    acknowledged_observations: list[str] = field(default_factory=list)
    acknowledged_marks: int = 0
    retries: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _bench_plan(places: list[Any], crews: list[Any], plan_id: str) -> Any:
    """A week-sized plan (PLAN_VISITS visits over the crews) for readers to load and marks to change."""
    from envservices.domain import CrewDay, Plan, Visit

    by_crew: dict[str, list[Visit]] = {c.id: [] for c in crews}
    for n in range(PLAN_VISITS):
        place = places[n % len(places)]
        crew = crews[n % len(crews)]
        start_s = 7 * 3600 + 600 * len(by_crew[crew.id])
        by_crew[crew.id].append(Visit(f"load-task-{n}", place.id, start_s, start_s, start_s + 480, "litter_pick"))
    days = tuple(CrewDay(crew_id, BENCH_DAY, visits=tuple(visits)) for crew_id, visits in by_crew.items())
    return Plan(plan_id, BENCH_WEEK, days, created_at=dt.datetime(2026, 11, 1, 12), travel_source="bench")


def prepare(url: str) -> tuple[str, list[str]]:
    """Make sure the database holds a district and a bench plan; returns (plan id, place ids)."""
    from envservices.services import district, planning
    from envservices.storage import open_database

    db = open_database(url)
    try:
        if db.is_empty():
            district.create_demo(db, seed=1, scale=DEMO_SCALE)
        with db.unit_of_work() as uow:
            places = uow.places.list()
            crews = uow.crews.list()
        existing = planning.load_plan(db, BENCH_WEEK)
        if existing is None or existing.travel_source != "bench":
            # one plan per week: a plan already stored for the bench week is replaced, not joined by a second
            fresh = _bench_plan(places, crews, existing.id if existing else f"plan-load-{uuid.uuid4().hex[:8]}")
            existing = dataclasses.replace(fresh, version=existing.version) if existing else fresh
            planning.save_plan(db, existing)
        return existing.id, [p.id for p in places]
    finally:
        db.dispose()


def _client(client: int, url: str, tag: str, plan_id: str, place_ids: list[str], seconds: float,
            ready: Any, start: Any, results: Any) -> None:
    """One client process: its own pool, its own random stream, operations until the time is up."""
    from envservices.domain import Grade, Observation, ObservationKind, VisitStatus
    from envservices.services import observations, planning
    from envservices.storage import open_database, run_with_retry

    result = ClientResult(client, {op: [] for op in OPERATIONS})
    rng = random.Random(client)
    db = open_database(url, upgrade=False)
    tasks = [f"load-task-{n}" for n in range(PLAN_VISITS)]

    def counted() -> None:
        result.retries += 1

    try:
        ready.put(client)
        start.wait()
        deadline = time.monotonic() + seconds
        written = 0
        while time.monotonic() < deadline:
            op = rng.choices(OPERATIONS, WEIGHTS)[0]
            began = time.perf_counter()
            try:
                if op == "record_observation":
                    obs = Observation(
                        f"load-{tag}-{client}-{written}", ObservationKind.LITTER_GRADE,
                        dt.datetime(2026, 11, 2, 8) + dt.timedelta(seconds=written), rng.choice(place_ids),
                        recorded_by=f"load-{tag}", grade=rng.choice(list(Grade)), source="bench",
                    )
                    run_with_retry(lambda obs=obs: observations.record(db, obs), on_retry=counted)
                    result.acknowledged_observations.append(obs.id)
                    written += 1
                elif op == "read_plan":
                    run_with_retry(lambda: planning.load_plan(db, BENCH_WEEK), on_retry=counted)
                elif op == "read_latest_grades":
                    run_with_retry(lambda: observations.latest_grades(db), on_retry=counted)
                else:
                    task = rng.choice(tasks)
                    status = rng.choice([VisitStatus.DONE, VisitStatus.PLANNED])
                    for _attempt in range(20):
                        try:
                            run_with_retry(lambda t=task, s=status: planning.mark_visit(db, plan_id, t, s),
                                           on_retry=counted)
                            result.acknowledged_marks += 1
                            break
                        except ConflictError:
                            result.conflicts += 1  # someone marked another visit first: read again and redo
                            time.sleep(rng.uniform(0.001, 0.02))
                    else:
                        result.errors.append(f"mark_visit {task}: still conflicting after 20 attempts")
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                result.errors.append(f"{op}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            result.latencies[op].append(time.perf_counter() - began)
    finally:
        db.dispose()
        results.put(result)


def _verify(url: str, tag: str, acknowledged: list[str], marks: int, since: dt.datetime) -> dict[str, int]:
    """Rows found against writes acknowledged: missing, duplicated and unexpected observations; marks."""
    from envservices.storage import open_database

    db = open_database(url, upgrade=False)
    try:
        with db.unit_of_work() as uow:
            stored = [o.id for o in uow.observations.list(recorded_by=f"load-{tag}")]
            mark_rows = [
                e for e in uow.audit_log.list(table_name="plans")
                if e.action == "update" and e.at >= since
            ]
    finally:
        db.dispose()
    acked = set(acknowledged)
    return {
        "acknowledged_writes": len(acknowledged),
        "stored_writes": len(stored),
        "lost_writes": len(acked - set(stored)),
        "duplicated_writes": (len(stored) - len(set(stored))) + (len(acknowledged) - len(acked)),
        "unacknowledged_but_stored": len(set(stored) - acked),
        "acknowledged_marks": marks,
        "audited_marks": len(mark_rows),
    }


def run_load_figures(url: str, clients: int = 20, seconds: float = 60) -> dict[str, Any]:
    """Run the load and return its figures (see the module docstring)."""
    if clients < 1 or seconds <= 0:
        raise UserError("the load needs at least 1 client and more than 0 seconds")
    plan_id, place_ids = prepare(url)
    tag = uuid.uuid4().hex[:8]
    context = multiprocessing.get_context("spawn")
    ready, results, start = context.Queue(), context.Queue(), context.Event()
    processes = [
        context.Process(target=_client, args=(n, url, tag, plan_id, place_ids, seconds, ready, start, results))
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    began = time.perf_counter()
    start.set()
    collected: list[ClientResult] = [results.get(timeout=seconds + 300) for _ in processes]
    wall_s = time.perf_counter() - began
    for process in processes:
        process.join(30)
    operations = []
    for op in OPERATIONS:
        latencies = [s for r in collected for s in r.latencies.get(op, [])]
        operations.append({
            "operation": op, "count": len(latencies),
            "per_second": round(len(latencies) / wall_s, 1),
            "p50_ms": round(_percentile(latencies, 50) * 1000, 1) if latencies else None,
            "p95_ms": round(_percentile(latencies, 95) * 1000, 1) if latencies else None,
            "p99_ms": round(_percentile(latencies, 99) * 1000, 1) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        })
    acknowledged = [i for r in collected for i in r.acknowledged_observations]
    marks = sum(r.acknowledged_marks for r in collected)
    checks = _verify(url, tag, acknowledged, marks, since)
    errors = [e for r in collected for e in r.errors]
    return {
        "database": url.split("@")[-1],
        "clients": clients, "seconds": seconds, "wall_s": round(wall_s, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
        "operations": operations,
        "total_per_second": round(sum(o["count"] for o in operations) / wall_s, 1),
        "retries": sum(r.retries for r in collected),
        "conflicts_retried": sum(r.conflicts for r in collected),
        "errors": errors[:20], "error_count": len(errors),
        **checks,
    }


def describe_load(figures: dict[str, Any]) -> str:
    lines = [
        (f"Load: {figures['clients']} clients for {figures['seconds']:g} s against {figures['database']} "
         f"({figures['machine']}, {figures['date']})"),
        "",
        f"{'operation':<20} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
    ]
    for o in figures["operations"]:
        lines.append(f"{o['operation']:<20} {o['count']:>7} {o['per_second']:>7} {o['p50_ms'] or '-':>8} "
                     f"{o['p95_ms'] or '-':>8} {o['p99_ms'] or '-':>8}")
    lines += [
        "",
        (f"total {figures['total_per_second']} operations/s; retries after deadlock/serialization failure: "
         f"{figures['retries']}; optimistic-lock conflicts retried: {figures['conflicts_retried']}"),
        (f"writes: {figures['acknowledged_writes']} acknowledged, {figures['stored_writes']} stored, "
         f"{figures['lost_writes']} lost, {figures['duplicated_writes']} duplicated; marks: "
         f"{figures['acknowledged_marks']} acknowledged, {figures['audited_marks']} in the audit log"),
        f"errors: {figures['error_count']}" + (f" (first: {figures['errors'][0]})" if figures["errors"] else ""),
    ]
    return "\n".join(lines)


def load_ok(figures: dict[str, Any]) -> bool:
    """Nothing lost, nothing doubled, every mark audited, no error left unhandled."""
    return (figures["lost_writes"] == 0 and figures["duplicated_writes"] == 0
            and figures["unacknowledged_but_stored"] == 0 and figures["error_count"] == 0
            and figures["audited_marks"] == figures["acknowledged_marks"])


def run_load(url: str, clients: int = 20, seconds: float = 60, json: bool = False) -> int:
    """Run the load, print a table (or JSON); exit code 0 only when no write was lost or doubled."""
    figures = run_load_figures(url, clients, seconds)
    print(json_module.dumps(figures, indent=2) if json else describe_load(figures))
    return 0 if load_ok(figures) else 1


# --- scale: 50,000 assets ------------------------------------------------------------------------------------


def write_bins_geojson(path: Path, count: int, bbox: tuple[float, float, float, float], seed: int = 1,
                       id_prefix: str = "gen-bin") -> Path:
    """A GeoJSON (EPSG:27700) of `count` litter bins spread over bbox, with ids, names and capacities."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = bbox
    features = [
        {
            "type": "Feature",
            "properties": {"id": f"{id_prefix}-{n}", "name": f"Bin {n}", "capacity_l": rng.choice([90, 120, 240])},
            "geometry": {"type": "Point",
                         "coordinates": [round(rng.uniform(minx, maxx), 2), round(rng.uniform(miny, maxy), 2)]},
        }
        for n in range(count)
    ]
    collection = {"type": "FeatureCollection",
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
                  "features": features}
    path.write_text(json_module.dumps(collection), encoding="utf-8")
    return path


def run_import_scale(url: str, assets: int = 50_000, plan_time_limit_s: float = 20.0) -> dict[str, Any]:
    """Import `assets` generated bins into a database holding the demo district, then plan a week there."""
    from envservices.services import district, planning
    from envservices.storage import open_database

    db = open_database(url)
    try:
        if db.is_empty():
            district.create_demo(db, seed=1, scale=1.0)
        with db.unit_of_work() as uow:
            boxes = [p.geometry.bounds for p in uow.places.list()]
            before = uow.assets.count()
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        with tempfile.TemporaryDirectory() as folder:
            path = write_bins_geojson(Path(folder) / "bins.geojson", assets, bbox)
            began = time.perf_counter()
            report = district.import_file(db, path, kind="litter_bin")
            import_s = time.perf_counter() - began
        with db.unit_of_work() as uow:
            after = uow.assets.count()
        week = planning.week_of(dt.date.today() + dt.timedelta(days=7))
        began = time.perf_counter()
        prepared = planning.prepare_week(db, week)
        prepare_s = time.perf_counter() - began
        began = time.perf_counter()
        plan = planning.solve_week(prepared, time_limit_s=plan_time_limit_s)
        solve_s = time.perf_counter() - began
        planning.save_plan(db, plan)
        return {
            "database": db.dialect, "assets_imported": after - before, "assets_in_file": assets,
            "import_s": round(import_s, 1), "not_in_place": report["not_in_place"],
            "week": week, "tasks": len(prepared.tasks), "prepare_s": round(prepare_s, 1),
            "solve_limit_s": plan_time_limit_s, "solve_s": round(solve_s, 1),
            "visits": sum(len(cd.visits) for cd in plan.crew_days), "unplanned": len(plan.unplanned),
        }
    finally:
        db.dispose()


def main(argv: list[str]) -> int:
    """`envservices bench load [--db URL] [--clients N] [--seconds S] [--import-assets N] [--json]`."""
    parser = argparse.ArgumentParser(prog="envservices bench load",
                                     description="Concurrent clients against one database, or a 50,000-asset import.")
    parser.add_argument("--db", help="database URL (PostgreSQL for the load); default $ENVSERVICES_DB")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--import-assets", type=int, metavar="N",
                        help="instead: import N generated bins into the database and plan a week there")
    parser.add_argument("--plan-time-limit", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = args.db or os.environ.get("ENVSERVICES_DB")
    if not url:
        raise UserError("name the database with --db (a PostgreSQL URL for the load) or set ENVSERVICES_DB")
    if args.import_assets:
        figures = run_import_scale(url, args.import_assets, args.plan_time_limit)
        print(json_module.dumps(figures, indent=2) if args.json else
              "\n".join(f"{k}: {v}" for k, v in figures.items()))
        return 0
    return run_load(url, args.clients, args.seconds, args.json)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
