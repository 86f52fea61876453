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


__all__ = ["TimesheetRow", "timesheet", "write_csv"]
