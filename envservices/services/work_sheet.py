"""A crews' return sheet: a day's work entered in one go by a council that works on paper.

Columns: visit (the task id printed on the worksheet) or asset + service, date, status (done or missed),
reason (needed for missed), start and finish (optional, the actual times, kept on the visit as the crew page
keeps them, so the timesheet and the dashboard read them alike). Each row must match a visit of a
stored plan; the sheet is all or nothing unless bad rows are skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from envservices.domain import VisitStatus
from envservices.errors import UserError
from envservices.rota.words import parse_clock, parse_service, service_lookup
from envservices.services import access
from envservices.services.rota_sheet import _parse_date, describe_errors
from envservices.services.sheets import read_rows


@dataclass(frozen=True)
class WorkReturn:
    plan_id: str
    task_id: str
    status: VisitStatus
    reason: str
    start_s: int | None
    finish_s: int | None
    day: dt.date | None = None


def parse_work(db, path: Path) -> tuple[list[WorkReturn], list[tuple[int, str]]]:
    rows = read_rows(path, ("status",))
    from envservices.services.planning import week_of

    with db.unit_of_work() as uow:
        lookup = service_lookup(uow.settings.load().services())
        assets = uow.assets.list()
        weeks: dict[str, list] = {}
        dates = set()
        for row in rows:
            try:
                dates.add(_parse_date(row.get("date", "")))
            except ValueError:
                pass
        for d in dates:
            weeks.setdefault(week_of(d), uow.plans.list(week=week_of(d)))
        if not any(r.get("date") for r in rows):
            for plan in uow.plans.list():
                weeks.setdefault(plan.week, []).append(plan)
    asset_by = {a.id.lower(): a for a in assets} | {a.name.lower(): a for a in assets if a.name}
    visits = {}
    by_asset: dict[tuple[str, str, dt.date], list] = {}
    for plans in weeks.values():
        for plan in plans:
            for cd in plan.crew_days:
                for v in cd.visits:
                    visits[v.task_id] = (plan.id, cd.day, v)
                    if v.asset_id:
                        by_asset.setdefault((v.asset_id, v.service, cd.day), []).append((plan.id, cd.day, v))
    out, errors = [], []
    for n, row in enumerate(rows, start=1):
        try:
            status_text = row["status"].strip().lower()
            if status_text not in ("done", "missed", "complete", "completed", "not done"):
                raise ValueError(f"'{row['status']}' is not a status (done or missed)")
            status = VisitStatus.DONE if status_text in ("done", "complete", "completed") else VisitStatus.MISSED
            reason = row.get("reason", "").strip()
            if status is VisitStatus.MISSED and not reason:
                raise ValueError("say why the visit was missed (a reason column)")
            ref = row.get("visit", "").strip() or row.get("task", "").strip()
            if ref:
                if ref not in visits:
                    raise ValueError(f"no planned visit '{ref}' in a stored plan")
                plan_id, day, v = visits[ref]
            else:
                asset = asset_by.get(row.get("asset", "").strip().lower())
                if asset is None:
                    raise ValueError(f"give a visit id, or an asset that exists (not '{row.get('asset', '')}')")
                code = parse_service(row.get("service", ""), lookup)
                day = _parse_date(row.get("date", ""))
                found = by_asset.get((asset.id, code, day), [])
                if not found:
                    raise ValueError(f"no {code} visit to {asset.name or asset.id} is planned on {day:%a %d %b %Y}")
                plan_id, day, v = found[0]
            start = parse_clock(row["start"]) if row.get("start", "").strip() else None
            finish = parse_clock(row["finish"]) if row.get("finish", "").strip() else None
            if start is not None and finish is not None and finish < start:
                raise ValueError("the finish is before the start")
            out.append(WorkReturn(plan_id, v.task_id, status, reason, start, finish, day))
        except ValueError as exc:
            errors.append((n, str(exc)))
    return out, errors


def import_work(db, path: Path, *, strict: bool = True) -> int:
    """Mark the sheet's visits done or missed in one transaction."""
    returns, errors = parse_work(db, path)
    if errors and strict:
        raise UserError(describe_errors(Path(path).name, tuple(errors)))
    if not returns:
        raise UserError(f"{Path(path).name} has no rows that could be read; nothing was changed")
    with db.unit_of_work() as uow:
        for r in returns:
            plan = uow.plans.get(r.plan_id)
            place_id = next(v.place_id for cd in plan.crew_days for v in cd.visits if v.task_id == r.task_id)
            access.require(uow, access.MARK_VISIT, place_id=place_id)
            uow.plans.set_visit_status(r.plan_id, r.task_id, r.status, r.reason)
            if r.day is not None and (r.start_s is not None or r.finish_s is not None):
                midnight = dt.datetime.combine(r.day, dt.time())
                uow.field.set_actual_times(
                    r.plan_id, r.task_id,
                    None if r.start_s is None else midnight + dt.timedelta(seconds=r.start_s),
                    None if r.finish_s is None else midnight + dt.timedelta(seconds=r.finish_s))
        uow.commit()
    return len(returns)


__all__ = ["WorkReturn", "import_work", "parse_work"]
