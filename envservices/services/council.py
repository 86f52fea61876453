"""A council's own set-up: areas (regime, trial start), place teams, the service catalogue, co-ordination
rules, closed periods and calendar days, from the command line, the desktop and CSV/Excel sheets alike.

Every sheet is all or nothing (with row-numbered reasons) unless the bad rows are skipped; a refused sheet
changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from envservices.domain import (
    Area,
    AssetKind,
    CalendarDay,
    ClosedPeriod,
    CoordinationRule,
    Regime,
    ServiceType,
    Skill,
    new_id,
)
from envservices.domain.calendar import WORKED
from envservices.domain.settings import HOLIDAY_RULES
from envservices.errors import UserError
from envservices.rota.words import (
    format_clock,
    format_days,
    format_months,
    parse_clock,
    parse_days,
    parse_months,
    parse_service,
    service_lookup,
)
from envservices.services import access
from envservices.services.rota_sheet import _parse_date, describe_errors
from envservices.services.sheets import read_rows

RULE_KINDS = ("before", "within", "together", "after", "apart")
TRIGGERS = ("bin_fill", "litter_grade", "grass_height")


# --- areas and teams ---------------------------------------------------------------------------------------
def list_areas(db) -> list[dict]:
    with db.unit_of_work() as uow:
        areas = uow.areas.list()
        places = uow.places.list()
    return [{"name": a.name, "regime": a.regime.value, "trial_start": a.trial_start.isoformat() if a.trial_start
             else "", "places": sum(1 for p in places if p.area_id == a.id)} for a in areas]


def _find(items, ref: str, what: str):
    for x in items:
        if x.id == ref or x.name.strip().lower() == ref.strip().lower():
            return x
    known = ", ".join(sorted(x.name for x in items)) or "none"
    raise UserError(f"there is no {what} called '{ref}' (known: {known})")


def set_area(db, name: str, *, regime: str | None = None, trial_start: str | dt.date | None = None) -> Area:
    """Set an area's regime and trial start (administrators and managers)."""
    if regime is not None and regime not in ("needs", "rota"):
        raise UserError(f"'{regime}' is not a regime (needs or rota)")
    start = trial_start
    if isinstance(trial_start, str):
        try:
            start = _parse_date(trial_start) if trial_start.strip() else None
        except ValueError as exc:
            raise UserError(str(exc)) from None
    with db.unit_of_work() as uow:
        access.require(uow, access.SET_TRIALS)
        area = _find(uow.areas.list(), name, "area")
        changes: dict = {}
        if regime is not None:
            changes["regime"] = Regime(regime)
        if trial_start is not None:
            changes["trial_start"] = start
        if (changes.get("regime", area.regime) is Regime.NEEDS and changes.get("trial_start", area.trial_start)
                is None):
            raise UserError(f"a needs trial in {area.name} needs a start date (--trial-start 2026-05-04)")
        area = uow.areas.update(dataclasses.replace(area, **changes))
        uow.commit()
        return area


def set_place_team(db, place: str, crew: str | None) -> None:
    """Give a place its own team crew (the crew that owns the place), or none."""
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        p = _find(uow.places.list(), place, "place")
        crew_id = _find(uow.crews.list(), crew, "crew").id if crew else None
        uow.places.update(dataclasses.replace(p, team_crew_id=crew_id))
        uow.commit()


# --- the service catalogue ----------------------------------------------------------------------------------
def catalogue(db) -> list[ServiceType]:
    with db.unit_of_work() as uow:
        return list(uow.settings.load().services().values())


def _num(row: dict, key: str, default: float | None = None) -> float | None:
    raw = row.get(key, "").strip().replace(",", "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"'{key}' must be a number, not '{row[key]}'") from None
    if not (0 < value < 1e6):
        raise ValueError(f"'{key}' must be more than 0 and less than 1,000,000, not {raw}")
    return value


def _service_row(row: dict, known: dict[str, ServiceType]) -> ServiceType:
    code = row.get("code", "").strip().lower().replace(" ", "_")
    if not code or not code.replace("_", "").isalnum():
        raise ValueError("give a code of letters, digits and _ (e.g. weed_spray)")
    base = known.get(code)
    name = row.get("name", "").strip() or (base.name if base else code.replace("_", " ").capitalize())
    skill_text = row.get("skill", "").strip().lower().replace(" ", "_") or (base.skill.value if base else "")
    try:
        skill = Skill(skill_text)
    except ValueError:
        raise ValueError(f"'{skill_text}' is not a skill ({', '.join(s.value for s in Skill)})") from None
    kinds_text = row.get("asset_kinds", "")
    kinds = tuple(AssetKind(k.strip().lower().replace(" ", "_")) for k in kinds_text.replace(";", ",").split(",")
                  if k.strip()) if kinds_text.strip() else (base.asset_kinds if base else ())
    unit = row.get("unit", "").strip().lower() or (base.unit if base else "each")
    if unit not in ("each", "m", "m2"):
        raise ValueError(f"'{unit}' is not a unit (each, m or m2)")
    setup_min = _num(row, "setup_minutes")
    per_hour = _num(row, "units_per_hour")
    each_min = _num(row, "minutes_each")
    fixed_s = (each_min * 60 if each_min is not None and unit == "each" else
               setup_min * 60 if setup_min is not None else base.fixed_s if base else 0.0)
    per_unit_s = 3600.0 / per_hour if per_hour else (base.per_unit_s if base else 0.0)
    ped = _num(row, "pedestrian_units_per_hour")
    trigger = row.get("trigger", "").strip().lower() or None
    if trigger is not None and trigger not in TRIGGERS:
        raise ValueError(f"'{trigger}' is not a measure the needs model forecasts ({', '.join(TRIGGERS)})")
    rule = row.get("holiday_rule", "").strip().lower().replace(" ", "_") or "next_working_day"
    if rule not in HOLIDAY_RULES:
        raise ValueError(f"'{rule}' is not a holiday rule ({', '.join(HOLIDAY_RULES)})")
    months = parse_months(row.get("months", "")) if "months" in row else (base.months if base else ())
    if fixed_s <= 0 and per_unit_s <= 0:
        raise ValueError("give how long the work takes (minutes_each, or setup_minutes and units_per_hour)")
    return ServiceType(
        code=code, name=name, skill=skill, asset_kinds=kinds,
        equipment=row.get("equipment", "").strip() or (base.equipment if base and "equipment" not in row else None),
        fixed_s=fixed_s, per_unit_s=per_unit_s, unit=unit,
        volume_l_per_unit=_num(row, "volume_l_per_unit", base.volume_l_per_unit if base else 0.0) or 0.0,
        pedestrian_per_unit_s=3600.0 / ped if ped else (base.pedestrian_per_unit_s if base else None),
        trigger=trigger, trigger_level=_num(row, "trigger_level"), months=months, holiday_rule=rule,
    )


def import_services(db, path: Path, *, strict: bool = True) -> int:
    """Replace the catalogue with a sheet's rows (services it does not list keep their stored or default
    definition, so a sheet adding 'weed spraying' need not repeat the others)."""
    rows = read_rows(path, ("code",))
    with db.unit_of_work() as uow:
        known = uow.settings.load().services()
    out, errors = {}, []
    for n, row in enumerate(rows, start=1):
        try:
            s = _service_row(row, known)
            if s.code in out:
                raise ValueError(f"the code '{s.code}' is given twice")
            out[s.code] = s
        except ValueError as exc:
            errors.append((n, str(exc)))
    _refuse(path, errors, strict, bool(out))
    merged = {**known, **out}
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.catalogue.replace(merged.values())
        uow.commit()
    return len(out)


def save_catalogue(db, services: list[ServiceType]) -> None:
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise UserError("two services have the same code")
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.catalogue.replace(services)
        uow.commit()


def service_rows(services: list[ServiceType]) -> list[dict[str, str]]:
    """The catalogue in the sheet's shape (what `import --kind services` reads)."""
    return [{
        "code": s.code, "name": s.name, "skill": s.skill.value,
        "asset_kinds": ";".join(k.value for k in s.asset_kinds), "unit": s.unit,
        "minutes_each": f"{s.fixed_s / 60:g}" if s.unit == "each" else "",
        "setup_minutes": f"{s.fixed_s / 60:g}" if s.unit != "each" else "",
        "units_per_hour": f"{3600 / s.per_unit_s:g}" if s.per_unit_s else "",
        "pedestrian_units_per_hour": f"{3600 / s.pedestrian_per_unit_s:g}" if s.pedestrian_per_unit_s else "",
        "equipment": s.equipment or "", "trigger": s.trigger or "",
        "trigger_level": f"{s.trigger_level:g}" if s.trigger_level is not None else "",
        "months": format_months(s.months), "holiday_rule": s.holiday_rule,
    } for s in services]


# --- co-ordination rules -----------------------------------------------------------------------------------
def rules(db) -> list[CoordinationRule]:
    with db.unit_of_work() as uow:
        return list(uow.settings.load().rules)


def check_rules(rules: list[CoordinationRule]) -> None:
    """Refuse rules that can never all hold: 'before' rules forming a cycle (A before B before A)."""
    after: dict[str, set[str]] = {}
    for r in rules:
        if r.kind == "before":
            if r.first_service == r.second_service:
                raise UserError(f"'{r.first_service}' cannot be before itself")
            after.setdefault(r.first_service, set()).add(r.second_service)

    def reach(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in after.get(start, ()):
            if nxt == goal or (nxt not in seen and reach(nxt, goal, seen | {nxt})):
                return True
        return False

    for first, seconds in after.items():
        for second in seconds:
            if reach(second, first, {second}):
                raise UserError(f"the rules form a cycle: {first} before {second} before ... {first}; "
                                "no order of the work can keep them")


def rule_lookup(services) -> dict[str, str]:
    """Every way a rules sheet may name a service: the catalogue's, and the collection streams' services
    (refuse_residual, refuse_dry_recycling, ...; also 'residual collection') that rounds put in the week."""
    from envservices.domain.waste import Stream
    from envservices.rounds.week import service_code

    lookup = service_lookup(services)
    for stream in Stream:
        code = service_code(stream)
        for word in (code, f"{stream.label} collection", f"{stream.value} collection"):
            lookup.setdefault(word.lower().replace("_", " ").strip(), code)
    return lookup


def rule_from_row(row: dict, lookup: dict[str, str]) -> CoordinationRule:
    """One co-ordination rule from a sheet row (kind, first, second, max_days), or ValueError saying why not."""
    kind = (row.get("kind") or "").strip().lower()
    if kind not in RULE_KINDS:
        raise ValueError(f"'{row.get('kind', '')}' is not a kind of rule ({', '.join(RULE_KINDS)})")
    if kind == "together":
        return CoordinationRule("together")
    first = parse_service(row.get("first", "") or row.get("first_service", ""), lookup)
    second = parse_service(row.get("second", "") or row.get("second_service", ""), lookup)
    days = int(_num(row, "max_days", 0) or 0) if kind in ("within", "after") else 0
    if kind in ("within", "after") and days < 1:
        raise ValueError(f"a '{kind}' rule needs max_days of 1 or more")
    if kind in ("after", "apart") and first == second:
        raise ValueError(f"an '{kind}' rule needs two different services")
    return CoordinationRule(kind, first, second, days)


def import_rules(db, path: Path, *, strict: bool = True) -> int:
    """Replace the co-ordination rules with a sheet's: kind (before, within, together, after, apart), first,
    second, max_days (within and after: 'after' means 1 to max_days days after the first in the place)."""
    rows = read_rows(path, ("kind",))
    with db.unit_of_work() as uow:
        lookup = rule_lookup(uow.settings.load().services())
    out, errors = [], []
    for n, row in enumerate(rows, start=1):
        try:
            out.append(rule_from_row(row, lookup))
        except ValueError as exc:
            errors.append((n, str(exc)))
    _refuse(path, errors, strict, bool(out))
    check_rules(out)
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.rules.replace(out)
        uow.commit()
    return len(out)


def save_rules(db, new_rules: list[CoordinationRule]) -> None:
    check_rules(new_rules)
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.rules.replace(new_rules)
        uow.commit()


# --- closed periods ----------------------------------------------------------------------------------------
def _whole_day(periods: list[ClosedPeriod], shift: tuple[int, int]) -> ClosedPeriod | None:
    """The first period whose place, service and day the periods together close for a whole shift."""
    groups: dict[tuple, list[ClosedPeriod]] = {}
    for p in periods:
        for day in (range(7) if p.weekday is None else (p.weekday,)):
            groups.setdefault((p.place_id, p.asset_id, p.service, day), []).append(p)
    for spans in groups.values():
        covered = shift[0]
        for p in sorted(spans, key=lambda p: p.start_s):
            if p.start_s <= covered:
                covered = max(covered, p.end_s)
        if covered >= shift[1]:
            return spans[0]
    return None


def import_closed(db, path: Path, *, strict: bool = True) -> int:
    """Add closed periods from a sheet: place or asset, service (blank: every service), days (blank: every
    day), from, to, reason. Periods that together close a place all day are refused."""
    out, errors = parse_closed_rows(db, read_rows(path, ("from", "to")))
    _refuse(path, errors, strict, bool(out))
    _store_closed(db, out, keep_existing=True)
    return len(out)


def replace_closed(db, rows: list[dict[str, str]]) -> int:
    """Replace every closed period with `rows` (the desktop's table); all or nothing."""
    out, errors = parse_closed_rows(db, rows)
    if errors:
        raise UserError(describe_errors("The closed periods", tuple(errors)).replace(
            "(fix them, or pass --skip-bad-rows)", "(fix them and save again)"))
    _store_closed(db, out, keep_existing=False)
    return len(out)


def closed_rows(db) -> list[dict[str, str]]:
    """The closed periods in the sheet's shape."""
    with db.unit_of_work() as uow:
        periods = uow.closed_periods.list()
        places = {p.id: p.name for p in uow.places.list()}
    return [{"place": places.get(c.place_id or "", "") if not c.asset_id else "", "asset": c.asset_id or "",
             "service": "" if c.service == "*" else c.service,
             "days": "" if c.weekday is None else format_days((c.weekday,)),
             "from": format_clock(c.start_s), "to": format_clock(c.end_s), "reason": c.reason} for c in periods]


def parse_closed_rows(db, rows: list[dict[str, str]]) -> tuple[list[ClosedPeriod], list[tuple[int, str]]]:
    with db.unit_of_work() as uow:
        lookup = service_lookup(uow.settings.load().services())
        places = uow.places.list()
        assets = uow.assets.list()
    place_by = {p.name.lower(): p for p in places} | {p.id.lower(): p for p in places}
    asset_by = {a.id.lower(): a for a in assets} | {a.name.lower(): a for a in assets if a.name}
    out, errors = [], []
    for n, row in enumerate(rows, start=1):
        try:
            place = asset = None
            if row.get("asset", "").strip():
                asset = asset_by.get(row["asset"].strip().lower())
                if asset is None:
                    raise ValueError(f"no asset with the id or name '{row['asset'].strip()}'")
            elif row.get("place", "").strip():
                place = place_by.get(row["place"].strip().lower())
                if place is None:
                    raise ValueError(f"no place called '{row['place'].strip()}'")
            service = row.get("service", "").strip()
            code = parse_service(service, lookup) if service and service != "*" else "*"
            start, end = parse_clock(row.get("from", "")), parse_clock(row.get("to", ""))
            if end <= start:
                raise ValueError(f"'to' ({row['to']}) must be after 'from' ({row['from']})")
            days: tuple[int | None, ...] = parse_days(row["days"]) if row.get("days", "").strip() else (None,)
            for d in days:
                out.append(ClosedPeriod(service=code, weekday=d, start_s=start, end_s=end,
                                        place_id=place.id if place else (asset.place_id if asset else None),
                                        reason=row.get("reason", "").strip(), asset_id=asset.id if asset else None,
                                        id=new_id("closed")))
        except ValueError as exc:
            errors.append((n, str(exc)))
    return out, errors


def _store_closed(db, new: list[ClosedPeriod], *, keep_existing: bool) -> None:
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        existing = uow.closed_periods.list()
        crews = uow.crews.list()
        places = uow.places.list()
        shift = (min((c.shift_start_s for c in crews), default=7 * 3600),
                 max((c.shift_end_s for c in crews), default=15 * 3600 + 1800))
        whole = _whole_day((existing if keep_existing else []) + new, shift)
        if whole is not None:
            where = next((p.name for p in places if p.id == whole.place_id), "everywhere")
            day = "every day" if whole.weekday is None else format_days((whole.weekday,))
            raise UserError(f"the closed periods would close {where} for {whole.service} all day on {day} "
                            f"({format_clock(shift[0])}-{format_clock(shift[1])}); nothing was saved")
        if not keep_existing:
            for c in existing:
                uow.closed_periods.delete(c.id)
        uow.closed_periods.add_all(new)
        uow.commit()


def calendar_rows(db) -> list[dict[str, str]]:
    with db.unit_of_work() as uow:
        days = uow.calendar.list()
    return [{"date": d.day.isoformat(), "name": d.name, "kind": "worked" if d.kind == WORKED else "closed"}
            for d in days]


def replace_calendar(db, rows: list[dict[str, str]]) -> int:
    """Replace the council's own calendar days with `rows` (date, name, kind); all or nothing."""
    out, errors = _parse_calendar(rows)
    if errors:
        raise UserError(describe_errors("The calendar", tuple(errors)).replace(
            "(fix them, or pass --skip-bad-rows)", "(fix them and save again)"))
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.calendar.replace(out)
        uow.commit()
    return len(out)


def closed_periods(db) -> list[ClosedPeriod]:
    with db.unit_of_work() as uow:
        return uow.closed_periods.list()


# --- calendar ------------------------------------------------------------------------------------------
def import_calendar(db, path: Path, *, strict: bool = True) -> int:
    """Council exception days (date, name, kind: closed or worked) added to the calendar."""
    out, errors = _parse_calendar(read_rows(path, ("date",)))
    _refuse(path, errors, strict, bool(out))
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_SETTINGS)
        uow.calendar.add_all(out)
        uow.commit()
    return len(out)


def _parse_calendar(rows: list[dict[str, str]]) -> tuple[list[CalendarDay], list[tuple[int, str]]]:
    out, errors, seen = [], [], set()
    for n, row in enumerate(rows, start=1):
        try:
            day = _parse_date(row.get("date", ""))
            if day in seen:
                raise ValueError(f"{day:%d %b %Y} is given twice")
            seen.add(day)
            kind = (row.get("kind", "").strip().lower() or "closed")
            if kind not in ("closed", WORKED):
                raise ValueError(f"'{kind}' is not a kind of day (closed or worked)")
            out.append(CalendarDay(day, row.get("name", "").strip() or "council exception day",
                                   "exception" if kind == "closed" else WORKED))
        except ValueError as exc:
            errors.append((n, str(exc)))
    return out, errors


def _refuse(path: Path, errors: list, strict: bool, any_good: bool) -> None:
    if errors and strict:
        raise UserError(describe_errors(Path(path).name, tuple(errors)))
    if not any_good:
        raise UserError(f"{Path(path).name} has no rows that could be read; nothing was changed")


__all__ = [
    "calendar_rows",
    "catalogue",
    "check_rules",
    "closed_periods",
    "closed_rows",
    "format_days",
    "import_calendar",
    "import_closed",
    "import_rules",
    "import_services",
    "list_areas",
    "replace_calendar",
    "replace_closed",
    "rules",
    "save_catalogue",
    "save_rules",
    "service_rows",
    "set_area",
    "set_place_team",
]
