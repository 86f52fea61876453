"""The command line: the same use cases the desktop application calls.

Every error a user can cause ends as one clear sentence on stderr and a non-zero exit, never a traceback;
unexpected failures are logged with their traceback to a file and summarised in one sentence.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import math
import os
import sys
import traceback
from pathlib import Path

from envservices.errors import UserError

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 3


def _add_db(p: argparse.ArgumentParser, top: bool = False) -> None:
    # Sub-commands must not overwrite a --db given before the sub-command name.
    p.add_argument("--db", metavar="URL", default=None if top else argparse.SUPPRESS, help="SQLite file or postgresql://user@host/db (default: "
                   "$ENVSERVICES_DB, else a SQLite file in your user data folder)")


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked (see `envservices.__getattr__`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        import envservices

        print(f"envservices {envservices.__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envservices",
        description="Plan street cleansing, bin emptying and grounds maintenance by place and by need.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="open a demo district in a temporary database, plan a week offscreen, and exit")
    _add_db(parser, top=True)
    parser.add_argument("--user", help="who you are on a SQLite database (default: $ENVSERVICES_USER, else your "
                        "login); on PostgreSQL your database login is used")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("gui", help="open the desktop application (the default)")
    _add_db(p)
    p.add_argument("--screenshot", metavar="OUT.png", help="save a screenshot once the map has drawn, then exit")
    p.add_argument("--size", metavar="WxH", help="with --screenshot: the window's exact size, e.g. 1366x768")
    p.add_argument("--screen", choices=("main", "plan", "dashboard"), default="main",
                   help="with --screenshot: the screen to draw (the map, the plan board, the dashboard)")

    p = sub.add_parser("demo", help="build the demo district in the database")
    _add_db(p)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="0.25 to 16: size relative to the standard demo")
    p.add_argument("--replace", action="store_true", help="replace what the database holds")
    p.add_argument("--households", action="store_true",
                   help="also households with their bins and today's collection rounds (about 20,000 at scale 1)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="import places or assets from a GIS or CSV file")
    _add_db(p)
    p.add_argument("file")
    p.add_argument("--kind", help="place, depots, crews, property, rota, survey, work, services, rules, closed, "
                   "calendar, or an asset kind: litter_bin, dog_bin, grass_area, street_length, ...")
    p.add_argument("--area", help="area the places belong to (created if new)")
    p.add_argument("--crs", help="CRS of a file that has none, e.g. 27700 or EPSG:4326")
    p.add_argument("--layer", help="layer of a multi-layer file")
    p.add_argument("--skip-bad-rows", action="store_true", help="import the good rows and report the bad ones")
    p.add_argument("--geometry-only", action="store_true",
                   help="import a shapefile whose .dbf is missing or damaged: geometry only, no names or ids")
    p.add_argument("--max-file-mb", type=float, default=None,
                   help="raise the size limit of the file and of what a zip unpacks to (default 1000 MB)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export places, assets, sites and roads to GeoPackage or GeoJSON, or the "
                       "rota to CSV/XLSX")
    _add_db(p)
    p.add_argument("out", help="OUT.gpkg, OUT.geojson, or rota.csv / rota.xlsx")

    p = sub.add_parser("info", help="what the database holds")
    _add_db(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("plan", help="plan a week for the crews")
    _add_db(p)
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48")
    p.add_argument("--area")
    p.add_argument("--depot")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--source", choices=["auto", "rota", "needs"], default="auto",
                   help="where the work comes from: each area's regime (auto), the rota, or observed need")
    p.add_argument("--out", required=True, help="plan.json or plan.csv")
    p.add_argument("--no-save", action="store_true", help="do not keep the plan in the database")
    p.add_argument("--fewest-crews", action="store_true",
                   help="plan with the fewest crews that leave no due work out, and name the crews released")
    p.add_argument("--master", choices=["auto", "engine", "cpsat"], default="auto",
                   help="who assigns the week's tasks to crew-days first: CP-SAT (OR-Tools) or the engine; "
                        "auto (default) is CP-SAT for a week whose crew-days cost")

    p = sub.add_parser("capacity", help="crew-days each skill needs per week against what the crews give")
    _add_db(p)
    p.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat, help="a date, 2026-03-01")
    p.add_argument("--weeks", type=int, default=30)
    p.add_argument("--source", choices=["auto", "rota", "needs"], default="auto")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("simulate", help="simulate a season of weeks under a regime")
    _add_db(p)
    p.add_argument("--weeks", type=int, default=12)
    p.add_argument("--regime", choices=["needs", "rota"], default="needs")
    p.add_argument("--area")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", help="first day (default: the first Monday in May)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per weekly plan (default 10)")
    p.add_argument("--cold-start", action="store_true",
                   help="leave out the recorded readings: the needs model starts from priors and a baseline survey")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("compare", help="compare trial areas: needs against rota, before and after")
    _add_db(p)
    p.add_argument("--weeks", type=int, default=12)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-simulation", action="store_true", help="recorded figures only")
    p.add_argument("--seeds", type=int, default=1,
                   help="simulate this many seeds (worlds) and show the band of the result (default 1)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per weekly plan (default 5)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", metavar="OUT")
    p.add_argument("--charts", metavar="DIR")

    p = sub.add_parser("rounds", help="household collection: design a stream's rounds with least change (design), "
                       "record a missed bin (missed PROPERTY), a household's coming collections (calendar PROPERTY)")
    _add_db(p)
    p.add_argument("action", choices=["design", "missed", "calendar"])
    p.add_argument("property", nargs="?",
                   help="missed, calendar: the property's id or UPRN (missed without one: missed bins per round "
                        "and week)")
    p.add_argument("--stream", help="design, missed: residual, dry_recycling, glass, garden or food")
    p.add_argument("--weeks", type=int, default=4, help="calendar: how many weeks from this one (default 4)")
    p.add_argument("--reason", default="missed_by_crew",
                   help="missed: not_out, contaminated, access_blocked or missed_by_crew (default)")
    p.add_argument("--within", type=int, default=2, help="missed: working days to return in (default 2)")
    p.add_argument("--max-change", default="10%", help="most households whose day may change (default 10%%)")
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds of routing in all (default 120)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--changes-csv", metavar="OUT.csv", help="households whose day changes, for the letters")
    p.add_argument("--gpkg", metavar="OUT.gpkg", help="the new rounds and the households changing day")
    p.add_argument("--png", metavar="OUT.png", help="a map of the new rounds, each in its colour")
    p.add_argument("--apply", action="store_true", help="store the new rounds and days (default: only report)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("bench", help="benchmarks: solomon DIR | pvrp DIR | carp DIR | rounds | district | load", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)

    p = sub.add_parser("users", help="list, add or change users and their roles (administrators)")
    _add_db(p)
    p.add_argument("action", choices=["list", "add", "set-role"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["administrator", "supervisor", "team_leader", "manager"])
    p.add_argument("--team", metavar="CREW", help="a team leader's crew (their team's places)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("audit", help="the audit log: who changed what, when")
    _add_db(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("backup", help="copy the database to a file")
    _add_db(p)
    p.add_argument("out")
    p = sub.add_parser("restore", help="replace the database with a backup copy")
    _add_db(p)
    p.add_argument("file")
    p = sub.add_parser("check", help="verify the database's integrity")
    _add_db(p)
    p.add_argument("--json", action="store_true")
    from envservices import cli_council

    cli_council.add_parsers(sub, _add_db)
    _add_field_commands(sub)
    return parser


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


def _print_summary(summary: dict) -> None:
    print(f"Database: {summary.get('database', '')}")
    print(f"Areas: {summary['areas']}  Places: {summary['places']}  Crews: {summary['crews']}  "
          f"Observations: {summary['observations']}")
    for kind, n in sorted(summary["assets"].items()):
        print(f"  {kind.replace('_', ' ')}: {n}")
    for key in ("sites", "road_links", "rota_entries", "plans", "properties", "collection_rounds"):
        if key in summary:
            print(f"{key.replace('_', ' ').capitalize()}: {summary[key]}")


STORING = {"demo", "import", "plan", "users", "restore", "backup"}


def _open(args: argparse.Namespace):
    from envservices.services import open_db

    return open_db(getattr(args, "db", None))


def _refuse_memory_for_storing(args: argparse.Namespace) -> None:
    from envservices.storage.engine import refuse_memory

    cmd = args.command
    stores = cmd in STORING and not (cmd == "plan" and args.no_save) and not (
        cmd == "users" and args.action == "list")
    if stores:
        refuse_memory(getattr(args, "db", None), cmd)


def _run(args: argparse.Namespace) -> int:
    from envservices import cli_council, services

    cmd = args.command
    if cmd == "bench":
        from envservices.bench.runner import run_bench

        return run_bench(args.rest)

    if cmd in (None, "gui"):
        return _gui(args)
    _refuse_memory_for_storing(args)

    if cmd == "backup":
        services.maintenance.backup(getattr(args, "db", None), Path(args.out))
        print(f"Backed up to {args.out}")
        return 0
    if cmd == "restore":
        services.maintenance.restore(getattr(args, "db", None), Path(args.file))
        print(f"Restored from {args.file}")
        return 0

    db = _open(args)
    try:
        if cmd == "demo":
            summary = services.district.create_demo(db, seed=args.seed, scale=args.scale, replace=args.replace,
                                                    households=args.households)
            _print_json(summary) if args.json else _print_summary(summary)
        elif cmd == "info":
            summary = services.district.summary(db)
            _print_json(summary) if args.json else _print_summary(summary)
        elif cmd == "import" and (args.kind or "").strip().lower() in cli_council.SHEET_KINDS:
            return cli_council.run_import(db, args)
        elif cmd in ("areas", "places", "services", "rules"):
            return cli_council.run(db, args)
        elif cmd == "export" and Path(args.out).suffix.lower() in (".csv", ".xlsx"):
            n = services.rota_sheet.export_rota(db, Path(args.out))
            print(f"Wrote the rota to {args.out}: {n} lines")
        elif cmd == "import" and (args.kind or "").strip().lower() in ("crews", "depots"):
            report = services.crews.import_file(db, Path(args.file), kind=args.kind.strip().lower(),
                                                strict=not args.skip_bad_rows)
            if args.json:
                _print_json(report)
            else:
                print(f"Imported {report.get('imported', report)} {args.kind} from {args.file}")
                for problem in report["problems"]:
                    print(f"  row {problem['row']} skipped: {_one_line(problem['reason'])}")
        elif cmd == "import" and services.waste.is_property_kind(args.kind):
            report = services.waste.import_properties(db, Path(args.file), crs=args.crs, layer=args.layer,
                                                      strict=not args.skip_bad_rows)
            _print_json(report) if args.json else print(services.waste.describe_import(report))
        elif cmd == "import":
            report = services.district.import_file(
                db, Path(args.file), kind=args.kind, area=args.area, crs=args.crs, layer=args.layer,
                strict=not args.skip_bad_rows, geometry_only=args.geometry_only, max_file_mb=args.max_file_mb,
            )
            _print_json(report) if args.json else print(services.district.describe_import(report))
        elif cmd == "export":
            counts = services.district.export(db, Path(args.out))
            print(f"Wrote {args.out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        elif cmd == "plan":
            return _plan(db, args)
        elif cmd == "capacity":
            rows = services.capacity.capacity(db, args.start, args.weeks, args.source)
            _print_json([dataclasses.asdict(r) for r in rows]) if args.json else print(
                services.capacity.describe(rows))
        elif cmd == "simulate":
            result = services.simulation.simulate(
                db, weeks=args.weeks, regime=args.regime, area=args.area, seed=args.seed, start=args.start,
                time_limit_s=args.time_limit, progress=None if args.json else _StderrProgress(),
                cold_start=args.cold_start,
            )
            _print_json(result) if args.json else print(services.simulation.describe(result))
        elif cmd == "compare":
            comparison = services.compare.compare_areas(
                db, weeks=args.weeks, seed=args.seed, simulate=not args.no_simulation, seeds=args.seeds,
                time_limit_s=args.time_limit, progress=None if args.json else _StderrProgress(),
            )
            if args.csv:
                services.compare.write_csv(comparison, Path(args.csv))
            if args.charts:
                services.compare.write_charts(comparison, Path(args.charts))
            _print_json(services.compare.to_json(comparison)) if args.json else print(
                services.compare.describe(comparison))
        elif cmd in FIELD_COMMANDS:
            return _field_command(db, args)
        elif cmd == "rounds":
            return _rounds(db, args)
        elif cmd == "users":
            return _users(db, args)
        elif cmd == "audit":
            entries = services.users.audit_log(db, limit=args.limit)
            rows = [e if isinstance(e, dict) else _plain(e) for e in entries]
            if args.json:
                _print_json(rows)
            else:
                for r in rows:
                    print(f"{r.get('at')}  {r.get('user_name')}  {r.get('action')}  {r.get('table_name')}  "
                          f"{r.get('record_id') or ''}")
        elif cmd == "check":
            report = services.maintenance.check(db)
            _print_json(report) if args.json else print("\n".join(report["messages"]))
            return 0 if report["ok"] else 1
        return 0
    finally:
        db.dispose()


# --- the field loop: the web service, timesheets, API keys (issue 15) ---------------------------------------
FIELD_COMMANDS = ("serve", "timesheet", "apikeys", "crew-link")


def _add_field_commands(sub) -> None:
    p = sub.add_parser("serve", help="start the web service: crew pages, Open311 reports, schedules")
    _add_db(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this "
                   "computer only; 0.0.0.0 for the depot's network)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--public-url", help="the address phones reach this service by, printed as QR codes on "
                   "worksheets, e.g. http://depot-pc.local:8765")
    p = sub.add_parser("timesheet", help="planned against actual hours per crew-day of a week, as CSV")
    _add_db(p)
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48")
    p.add_argument("--out", required=True, help="OUT.csv")
    p = sub.add_parser("apikeys", help="API keys for reporting sites (Open311): list, or add NAME")
    _add_db(p)
    p.add_argument("action", choices=["list", "add"])
    p.add_argument("name", nargs="?")
    p = sub.add_parser("crew-link", help="the link (and QR code) that opens a crew-day on a phone")
    _add_db(p)
    p.add_argument("crew", help="crew id")
    p.add_argument("day", help="the day, e.g. 2026-11-30")
    p.add_argument("--base-url", help="the service's address (default: the one `serve --public-url` stored)")
    p.add_argument("--qr", metavar="OUT.png", help="also save the link as a QR code image")


def _field_command(db, args: argparse.Namespace) -> int:
    import datetime as dt

    from envservices.services import field, open311, timesheet

    if args.command == "serve":
        from envservices.server import serve

        field.check_can_serve(db)
        if args.public_url:
            field.set_public_url(db, args.public_url)
        print(f"envservices: serving {db.url} on http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
        serve(db, host=args.host, port=args.port)
    elif args.command == "timesheet":
        rows = timesheet.timesheet(db, args.week)
        timesheet.write_csv(rows, Path(args.out))
        print(f"Wrote {args.out}: {len(rows)} crew-days")
        for a in timesheet.completion_by_area(db, args.week):
            print(f"{a.area}{f' ({a.phase})' if a.phase else ''}: {a.done} of {a.visits} visits done "
                  f"({a.completion_pct:.0f} %), {a.missed} missed; {a.planned_hours:.1f} h planned on site, "
                  f"{a.actual_hours:.1f} h recorded" + (f"; missed: {a.missed_reasons}" if a.missed_reasons else ""))
    elif args.command == "apikeys" and args.action == "add":
        if not args.name:
            raise UserError("'apikeys add' needs a name saying who uses the key, e.g. fixmystreet")
        key = open311.issue_api_key(db, args.name)
        print(f"API key for {args.name} (shown once; keep it safe): {key}")
    elif args.command == "apikeys":
        for k in open311.list_api_keys(db):
            print(f"{k.name}: issued {k.created_at:%Y-%m-%d} by {k.created_by}{'' if k.active else ' (withdrawn)'}")
    elif args.command == "crew-link":
        try:
            day = dt.date.fromisoformat(args.day)
        except ValueError:
            raise UserError(f"'{args.day}' is not a date; write it like 2026-11-30") from None
        base = args.base_url or field.public_url(db) or "http://127.0.0.1:8765"
        url = f"{base.rstrip('/')}/crew/{field.issue_token(db, args.crew, day)}"
        if args.qr:
            from envservices.reports.qr import save_qr

            save_qr(url, Path(args.qr))
        print(url)
    return 0


def _plain(obj) -> dict:
    import dataclasses

    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else dict(vars(obj))


def _rounds(db, args: argparse.Namespace) -> int:
    from envservices.services import rounds, waste

    if args.action == "calendar":
        if not args.property:
            raise UserError("'rounds calendar' needs the property's id or UPRN")
        prop, entries = waste.household_calendar(db, args.property, weeks=args.weeks)
        print(f"Collections at {prop.address or prop.id}:")
        for day, stream, note in entries:
            print(f"  {day:%a %d %b %Y}  {stream.label}" + (f"  ({note})" if note else ""))
        return 0
    if args.action == "missed" and not args.property:
        report = waste.missed_report(db)
        if not report:
            print("No missed bins recorded.")
        for label, week, count in report:
            print(f"  {week}  {label}: {count} missed")
        return 0
    if not args.stream:
        raise UserError(f"'rounds {args.action}' needs --stream (residual, dry_recycling, glass, garden or food)")
    if args.action == "missed":
        missed = waste.record_missed(db, args.property, args.stream, args.reason,
                                     within_working_days=args.within,
                                     holidays=waste.bank_holidays_near())
        print(f"Recorded a missed {missed.stream.label} bin at {missed.property_id} "
              f"({missed.reason.value.replace('_', ' ')}); return by {missed.return_by:%A %d %B %Y}")
        return 0
    share = rounds.parse_share(args.max_change)
    design = rounds.design_rounds(db, args.stream, max_change=share, time_limit_s=args.time_limit, seed=args.seed,
                                  progress=None if args.json else (lambda m: print(f"  {m}", file=sys.stderr)))
    if args.changes_csv:
        rounds.write_changes_csv(design, Path(args.changes_csv))
    if args.gpkg:
        rounds.write_rounds_gpkg(design, Path(args.gpkg))
    if args.png:
        rounds.write_rounds_png(design, Path(args.png))
    applied = rounds.apply_design(db, design) if args.apply else None
    if args.json:
        _print_json({"table": design.table, "households_changing": len(design.changes),
                     "seconds": design.result.seconds})
    else:
        print(rounds.describe(design))
        for what, out in (("households changing day", args.changes_csv), ("new rounds", args.gpkg),
                          ("the map of the new rounds", args.png)):
            if out:
                print(f"Wrote {what} to {out}")
        if applied:
            print(f"Stored {applied['rounds']} rounds; {applied['properties_rewritten']} households' days or "
                  "rounds rewritten")
    return 0


def _users(db, args: argparse.Namespace) -> int:
    from envservices import services

    if args.action == "list":
        rows = [_plain(u) for u in services.users.list_users(db)]
        if args.json:
            _print_json(rows)
        else:
            for u in rows:
                print(f"{u['name']}: {getattr(u['role'], 'value', u['role'])}"
                      + (f" (team {u['team_crew_id']})" if u.get("team_crew_id") else "")
                      + ("" if u.get("active", True) else " (inactive)"))
        return 0
    if not args.name:
        raise UserError(f"'users {args.action}' needs a user name")
    if not args.role:
        raise UserError(f"'users {args.action}' needs --role (administrator, supervisor, team_leader or manager)")
    if args.action == "add":
        services.users.add_user(db, args.name, args.role, team_crew_id=args.team)
        print(f"Added {args.name} as {args.role}")
    else:
        services.users.set_role(db, args.name, args.role, team_crew_id=args.team)
        print(f"{args.name} is now {args.role}")
    return 0


class _StderrProgress:
    """Progress on stderr, at most once every two seconds, so a long solve shows life without flooding."""

    def __init__(self) -> None:
        self._last = -1e9

    def __call__(self, best_cost: float, elapsed_s: float, message: str = "") -> None:
        if elapsed_s - self._last >= 2.0 or message.startswith("done"):
            self._last = elapsed_s
            cost = f"best cost {best_cost:,.0f}" if math.isfinite(best_cost) and best_cost < 1e15 else ""
            print(f"  {elapsed_s:6.1f}s  {cost}  {message}", file=sys.stderr)


def _plan(db, args: argparse.Namespace) -> int:
    import signal

    from envservices import services
    from envservices.planning.stop import Cancel

    out = services.planning.check_plan_output(Path(args.out))  # before anything is planned or saved
    args.week = services.planning.canonical_week(args.week)  # one stored plan per week, however it is written
    cancel = Cancel()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        prepared = services.planning.prepare_week(db, args.week, area=args.area, depot=args.depot,
                                                  source=args.source)
        print(f"Planning {args.week}: {len(prepared.problem.tasks)} tasks, {len(prepared.problem.crews)} crews, "
              f"travel by {prepared.problem.travel.source}", file=sys.stderr)
        for note in prepared.notes:
            print(f"  note: {note}", file=sys.stderr)
        plan = services.planning.solve_week(prepared, time_limit_s=args.time_limit, stop=cancel,
                                            progress=_StderrProgress(), fewest_crews=args.fewest_crews,
                                            master=args.master)
    finally:
        signal.signal(signal.SIGINT, previous)
    if not args.no_save:
        services.planning.save_plan(db, plan)
    services.planning.write_plan(plan, prepared, out)
    k = plan.kpis
    print(f"Wrote {out}: {k.get('visits', 0)} visits in {len(plan.crew_days)} crew-days, "
          f"{k.get('crew_hours', 0):.1f} crew hours, {k.get('travel_km', 0):.1f} km, "
          f"{k.get('unplanned', 0)} tasks left out, {len(plan.violations)} violations")
    applied = {kind: n for kind, n in (k.get("rules_applied") or {}).items() if n}
    if applied:
        broken = sum(1 for v in plan.violations if v.split(":")[0].split(" ")[0] in applied)
        print("Co-ordination rules: " + ", ".join(f"{n} {kind}" for kind, n in applied.items())
              + f" links bound this plan; {broken} broken")
    by_day = k.get("crews_released_by_day")
    if by_day:
        names = prepared.crew_names
        released = ", ".join(names.get(c, c) for c in k.get("crews_released", [])) or "none"
        print(f"Crews you can release: {k.get('crews_released_week', 0)} for the whole week ({released}); "
              f"by day {' '.join(str(n) for n in by_day)} ({k.get('crew_days_released', 0)} crew-days)")
    return 0 if not plan.violations else 1


def _headless_start(args: argparse.Namespace) -> int:
    """Without a display the application still does its first-start work: the database, with the demo
    district if it is empty, and says what it holds."""
    from envservices import services

    db = _open(args)
    try:
        summary = (services.district.create_demo(db) if db.is_empty() else services.district.summary(db))
    finally:
        db.dispose()
    _print_summary(summary)
    print("envservices: there is no display here, so the window was not opened; on a desktop `envservices` "
          "opens it (see `envservices --help` for the command line).", file=sys.stderr)
    return 0


def _gui(args: argparse.Namespace) -> int:
    headless = (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
                and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"))
    if headless:
        if getattr(args, "screenshot", None):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        else:
            return _headless_start(args)
    from envservices.ui.heap import hold

    hold()  # no garbage collection until the window has drawn (ui/heap.py)
    try:
        from envservices.ui.app_main import parse_size, run_gui
    except ImportError as exc:
        raise UserError(f"the desktop application cannot start: {exc}") from exc
    size = None
    if getattr(args, "size", None):
        try:
            size = parse_size(args.size)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    return run_gui(getattr(args, "db", None), screenshot=getattr(args, "screenshot", None), size=size,
                   screen=getattr(args, "screen", "main") or "main")


def _self_test(args: argparse.Namespace) -> int:
    """Exactly what an installed build must manage: build the demo, plan a week, draw the window, exit."""
    import datetime as dt
    import tempfile

    from envservices import services

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        db = services.open_db(str(Path(tmp) / "selftest.sqlite"))
        try:
            summary = services.district.create_demo(db, seed=1, scale=0.25)
            prepared = services.planning.prepare_week(db, services.planning.week_of(dt.date.today()))
            plan = services.planning.solve_week(prepared, time_limit_s=5)
            services.planning.save_plan(db, plan)
            print(f"self-test: demo with {summary['places']} places; plan with "
                  f"{plan.kpis.get('visits', 0)} visits and {len(plan.violations)} violations")
            if plan.violations or not plan.crew_days:
                return 1
            from envservices.ui.app_main import run_gui

            shot = Path(tmp) / "shot.png"
            if run_gui(str(db.url), screenshot=str(shot)) != 0 or not shot.exists():
                print("self-test: the main window did not draw", file=sys.stderr)
                return 1
        finally:
            db.dispose()
    print("self-test: OK")
    return 0


def _log_path() -> Path:
    from platformdirs import user_log_dir

    path = Path(user_log_dir("envservices"))
    path.mkdir(parents=True, exist_ok=True)
    return path / "envservices.log"


MAX_MESSAGE = 2_000


def _one_line(message: str) -> str:
    """A refusal stays one line however odd the text it quotes from a file (line breaks, 5,000-letter names)."""
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return flat if len(flat) <= MAX_MESSAGE else flat[:MAX_MESSAGE] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("ENVSERVICES_LOG", "WARNING"))
    if getattr(args, "user", None):
        os.environ["ENVSERVICES_USER"] = args.user
    try:
        if args.self_test:
            return _self_test(args)
        return _run(args)
    except UserError as exc:
        print(f"envservices: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("envservices: interrupted; nothing was changed by the unfinished command.", file=sys.stderr)
        return 130
    except OSError as exc:  # the file system refused (permissions, a full disk, a name too long): say so
        where = f" {str(exc.filename)[:120]}" if exc.filename else ""
        print(f"envservices: the file system refused{where}: {exc.strerror or exc}; nothing else was changed.",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:  # noqa: BLE001 - the user gets one sentence, the log gets the traceback
        log = _log_path()
        with log.open("a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        print(f"envservices: unexpected error ({exc.__class__.__name__}: {exc}); details in {log}",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
