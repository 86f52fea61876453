"""Planned against actual hours per crew-day: what the manager sees was really done, and the timesheet CSV.

Actual hours run from the first visit's actual start to the last visit's actual finish, as the crew page
records them; travel from and back to the depot is not recorded on the phone, so it is not in them.
Overtime is time past the crew's shift end by that last finish.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from envservices.domain import VisitStatus
from envservices.errors import UserError
from envservices.services.planning import parse_week


@dataclass(frozen=True)
class TimesheetRow:
    crew: str
    day: dt.date
    planned_start: str
    planned_end: str
    planned_hours: float
    actual_start: str
    actual_end: str
    actual_hours: float | None
    overtime_hours: float
    visits_planned: int
    visits_done: int
    visits_missed: int
    missed_reasons: str


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def timesheet(db, week: str) -> list[TimesheetRow]:
    """One row per crew-day of the week's stored plans, by crew then day."""
    parse_week(week)
    with db.unit_of_work() as uow:
        plans = uow.plans.list(week=week)
        crews = {c.id: c for c in uow.crews.list()}
    if not plans:
        raise UserError(f"there is no stored plan for {week}; plan the week first.")
    rows = []
    for plan in plans:
        for cd in plan.crew_days:
            if not cd.visits:
                continue
            starts = [v.actual_start for v in cd.visits if v.actual_start]
            ends = [v.actual_end for v in cd.visits if v.actual_end]
            first, last = (min(starts), max(ends)) if starts and ends else (None, None)
            crew = crews.get(cd.crew_id)
            overtime = 0.0
            if last is not None and crew is not None:
                shift_end = dt.datetime.combine(cd.day, dt.time()) + dt.timedelta(seconds=crew.shift_end_s)
                overtime = max(0.0, (last - shift_end).total_seconds() / 3600)
            missed = [v for v in cd.visits if v.status is VisitStatus.MISSED]
            rows.append(TimesheetRow(
                crew=crew.name if crew else cd.crew_id, day=cd.day, planned_start=_hhmm(cd.depart_s),
                planned_end=_hhmm(cd.return_s), planned_hours=round(cd.hours, 2),
                actual_start=f"{first:%H:%M}" if first else "", actual_end=f"{last:%H:%M}" if last else "",
                actual_hours=round((last - first).total_seconds() / 3600, 2) if first and last else None,
                overtime_hours=round(overtime, 2), visits_planned=len(cd.visits),
                visits_done=sum(v.status is VisitStatus.DONE for v in cd.visits), visits_missed=len(missed),
                missed_reasons="; ".join(sorted({v.reason for v in missed if v.reason})),
            ))
    return sorted(rows, key=lambda r: (r.crew, r.day))


@dataclass(frozen=True)
class AreaWeek:
    """What was really done in one area in one week: the manager's view, before and after a trial's start."""

    area: str
    week: str
    phase: str  # "before trial", "trial", or "" for an area with no trial
    visits: int
    done: int
    missed: int
    completion_pct: float
    planned_hours: float
    actual_hours: float
    missed_reasons: str


def completion_by_area(db, week: str) -> list[AreaWeek]:
    """Completion rate, missed work and its reasons, planned against actual hours on site, per area.

    Hours here are time on site (visit start to finish), so areas compare fairly whatever the travel.
    """
    monday = parse_week(week)
    with db.unit_of_work() as uow:
        plans = uow.plans.list(week=week)
        areas = {a.id: a for a in uow.areas.list()}
        place_area = {p.id: p.area_id for p in uow.places.list()}
    if not plans:
        raise UserError(f"there is no stored plan for {week}; plan the week first.")
    tally: dict[str, dict] = {}
    for plan in plans:
        for cd in plan.crew_days:
            for v in cd.visits:
                t = tally.setdefault(place_area.get(v.place_id, ""), {"n": 0, "done": 0, "missed": 0, "planned": 0.0,
                                                                       "actual": 0.0, "reasons": {}})
                t["n"] += 1
                t["planned"] += (v.end_s - v.start_s) / 3600
                if v.status is VisitStatus.DONE:
                    t["done"] += 1
                    if v.actual_start and v.actual_end:
                        t["actual"] += max(0.0, (v.actual_end - v.actual_start).total_seconds() / 3600)
                elif v.status is VisitStatus.MISSED:
                    t["missed"] += 1
                    reason = v.reason or "no reason given"
                    t["reasons"][reason] = t["reasons"].get(reason, 0) + 1
    rows = []
    for area_id, t in tally.items():
        area = areas.get(area_id)
        phase = "" if area is None or area.trial_start is None else (
            "trial" if monday >= area.trial_start else "before trial")
        rows.append(AreaWeek(
            area=area.name if area else "(no area)", week=week, phase=phase, visits=t["n"], done=t["done"],
            missed=t["missed"], completion_pct=round(100 * t["done"] / t["n"], 1) if t["n"] else 0.0,
            planned_hours=round(t["planned"], 2), actual_hours=round(t["actual"], 2),
            missed_reasons="; ".join(f"{r} ({n})" for r, n in sorted(t["reasons"].items(), key=lambda x: -x[1])),
        ))
    return sorted(rows, key=lambda r: r.area)


def write_csv(rows: list[TimesheetRow], out: Path) -> int:
    """The timesheet as CSV, one row per crew-day; returns the number of rows."""
    out = Path(out)
    try:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(TimesheetRow.__dataclass_fields__))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})
    except OSError as exc:
        raise UserError(f"cannot write the timesheet to {out}: {exc.strerror}.") from exc
    return len(rows)


__all__ = ["AreaWeek", "TimesheetRow", "completion_by_area", "timesheet", "write_csv"]
