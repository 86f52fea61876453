"""Command-line verbs for a council's own set-up: its rota, records, areas, teams, services, rules, closed
periods and calendar. Kept beside cli.py so each file has one job; cli.py hands these verbs over."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from envservices.errors import UserError

SHEET_KINDS = ("rota", "survey", "work", "services", "rules", "closed", "calendar")


def add_parsers(sub, add_db) -> None:
    p = sub.add_parser("areas", help="list areas, or set an area's regime and trial start")
    add_db(p)
    p.add_argument("action", choices=["list", "set"])
    p.add_argument("name", nargs="?")
    p.add_argument("--regime", choices=["needs", "rota"])
    p.add_argument("--trial-start", metavar="DATE", help="the trial's first day, e.g. 2026-05-04")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("places", help="list places, or set a place's team crew")
    add_db(p)
    p.add_argument("action", choices=["list", "set"])
    p.add_argument("name", nargs="?")
    p.add_argument("--team", metavar="CREW", help="the crew that owns the place ('' for none)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("services", help="the service catalogue: list it, or write it as a sheet to edit")
    add_db(p)
    p.add_argument("action", choices=["list", "export"])
    p.add_argument("out", nargs="?")

    p = sub.add_parser("rules", help="the co-ordination rules and closed periods")
    add_db(p)
    p.add_argument("action", choices=["list"])


def run_import(db, args: argparse.Namespace) -> int:
    """`import FILE --kind rota|survey|work|services|rules|closed|calendar`."""
    from envservices.services import council, observations, rota_sheet, work_sheet

    kind, path, strict = args.kind.strip().lower(), Path(args.file), not args.skip_bad_rows
    if kind == "rota":
        result = rota_sheet.import_rota(db, path, strict=strict)
        print(f"Imported {len(result.entries)} rota lines from {path.name} (replacing {result.replaced} of the "
              f"same services)" + _skipped(result.errors))
        for n, message in result.warnings:
            print(f"  note, row {n}: {message}")
    elif kind == "survey":
        preview = observations.parse_survey_csv(db, path)
        if preview.errors and strict:
            raise UserError(rota_sheet.describe_errors(path.name, preview.errors))
        if not preview.rows:
            raise UserError(f"{path.name} has no survey rows that could be read; nothing was changed")
        n = observations.import_survey(db, preview)
        print(f"Imported {n} observations from {path.name}" + _skipped(preview.errors))
    elif kind == "work":
        n = work_sheet.import_work(db, path, strict=strict)
        print(f"Marked {n} visits from {path.name}")
    elif kind == "services":
        n = council.import_services(db, path, strict=strict)
        print(f"Imported {n} services into the catalogue from {path.name}")
    elif kind == "rules":
        n = council.import_rules(db, path, strict=strict)
        print(f"Imported {n} co-ordination rules from {path.name} (they replace the previous rules)")
    elif kind == "closed":
        n = council.import_closed(db, path, strict=strict)
        print(f"Imported {n} closed periods from {path.name}")
    elif kind == "calendar":
        n = council.import_calendar(db, path, strict=strict)
        print(f"Imported {n} calendar days from {path.name}")
    return 0


def _skipped(errors) -> str:
    if not errors:
        return ""
    return f"; skipped {len(errors)} bad rows: " + "; ".join(f"row {n}: {m}" for n, m in errors[:5])


def run(db, args: argparse.Namespace) -> int:
    from envservices.services import council

    cmd = args.command
    if cmd == "areas":
        if args.action == "set":
            if not args.name:
                raise UserError("'areas set' needs the area's name")
            if args.regime is None and args.trial_start is None:
                raise UserError("'areas set' needs --regime or --trial-start")
            a = council.set_area(db, args.name, regime=args.regime, trial_start=args.trial_start)
            print(f"{a.name}: {a.regime.value}" + (f" from {a.trial_start}" if a.trial_start else ""))
            return 0
        rows = council.list_areas(db)
        if args.json:
            print(json.dumps(rows, indent=2))
        for r in rows if not args.json else ():
            print(f"{r['name']}: {r['regime']}" + (f" (trial from {r['trial_start']})" if r["trial_start"] else "")
                  + f", {r['places']} places")
        return 0
    if cmd == "places":
        if args.action == "set":
            if not args.name or args.team is None:
                raise UserError("'places set NAME --team CREW' needs the place's name and --team")
            council.set_place_team(db, args.name, args.team or None)
            print(f"{args.name}: team {args.team or 'none'}")
            return 0
        with db.unit_of_work() as uow:
            crews = {c.id: c.name for c in uow.crews.list()}
            areas = {a.id: a.name for a in uow.areas.list()}
            rows = [{"name": p.name, "area": areas.get(p.area_id, ""), "team": crews.get(p.team_crew_id or "", "")}
                    for p in uow.places.list()]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                print(f"{r['name']} ({r['area']})" + (f": team {r['team']}" if r["team"] else ""))
        return 0
    if cmd == "services":
        rows = council.service_rows(council.catalogue(db))
        if args.action == "export":
            if not args.out:
                raise UserError("'services export' needs a file name, e.g. services.csv")
            out = Path(args.out)
            if not out.parent.is_dir():
                raise UserError(f"the folder {out.parent} does not exist")
            with out.open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
            print(f"Wrote {len(rows)} services to {out}")
        else:
            for r in rows:
                print(f"{r['code']}: {r['name']} ({r['skill']}; {r['unit']}"
                      + (f"; needs trigger {r['trigger']} {r['trigger_level']}" if r["trigger"] else "")
                      + (f"; months {r['months']}" if r["months"] else "") + f"; holidays: {r['holiday_rule']})")
        return 0
    if cmd == "rules":
        for r in council.rules(db):
            print(r.kind if r.kind == "together" else
                  f"{r.first_service} {r.kind} {r.second_service}" + (f" ({r.max_days} days)" if r.max_days else ""))
        for c in council.closed_periods(db):
            day = "every day" if c.weekday is None else council.format_days((c.weekday,))
            print(f"closed: {c.service} {day} {c.start_s // 3600:02d}:{c.start_s % 3600 // 60:02d}-"
                  f"{c.end_s // 3600:02d}:{c.end_s % 3600 // 60:02d} {c.reason}", file=sys.stdout)
        return 0
    raise UserError(f"unknown command {cmd}")


__all__ = ["SHEET_KINDS", "add_parsers", "run", "run_import"]
