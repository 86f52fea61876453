"""The historic rota in and out, as councils keep it: one row per round entry in a CSV or Excel sheet.

Columns (matched loosely, like the other importers): service (a code or the words people use), asset (an id
or a name) or place (a place row covers every asset of the service's kinds in the place), days, how often
(default weekly), the date of one visit (fixes the cycle when it is not weekly), months in season (blank: all
year), crew or round name (optional), id (optional). Importing replaces the rota lines of the services the
sheet names, so a council may keep one sheet per service. All or nothing unless the bad rows are skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from envservices.domain import RotaEntry, new_id
from envservices.errors import UserError
from envservices.rota.words import (
    format_days,
    format_months,
    parse_days,
    parse_every_weeks,
    parse_months,
    parse_service,
    service_lookup,
)
from envservices.services import access
from envservices.services.sheets import read_rows

ALIASES = {
    "service": ("service", "task", "work", "activity", "operation"),
    "asset": ("asset", "asset_id", "asset_ref", "asset_reference", "bin", "bin_id", "site"),
    "place": ("place", "place_name", "area", "beat", "location"),
    "days": ("days", "day", "weekdays", "days_of_week", "collection_days"),
    "every": ("every_weeks", "every", "how_often", "frequency", "freq", "interval", "cycle"),
    "anchor": ("first_visit", "cycle_date", "visit_date", "anchor", "from", "start_date", "date", "week_of"),
    "months": ("months", "season", "months_in_season", "active_months"),
    "crew": ("crew", "round", "round_name", "team", "gang"),
    "id": ("id", "ref", "entry", "entry_id", "round_entry"),
}
EXPORT_COLUMNS = ("id", "service", "place", "asset", "days", "every_weeks", "first_visit", "months", "crew")


@dataclass(frozen=True)
class RotaImport:
    entries: tuple[RotaEntry, ...]
    errors: tuple[tuple[int, str], ...]
    replaced: int = 0
    warnings: tuple[tuple[int, str], ...] = ()


def _column(row: dict[str, str], name: str) -> str:
    for alias in ALIASES[name]:
        if row.get(alias, "").strip():
            return row[alias].strip()
    return ""


def _parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (write it like 2026-05-04 or 04/05/2026)")


def parse_rota(db, path: Path) -> RotaImport:
    """Read a rota sheet against the database's catalogue, places, assets and crews; nothing is stored."""
    rows = read_rows(path, ())
    if not rows or not any(_column(r, "service") for r in rows):
        raise UserError(f"{Path(path).name} has no service column (name the work in a column called service)")
    return parse_rota_rows(db, rows)


def parse_rota_rows(db, rows: list[dict[str, str]]) -> RotaImport:
    """Rota rows (column -> text, as in the sheet or the desktop's rota table) checked against the database."""
    with db.unit_of_work() as uow:
        services = uow.settings.load().services()
        places = uow.places.list()
        assets = uow.assets.list()
        crews = uow.crews.list()
    lookup = service_lookup(services)
    place_by = {p.name.strip().lower(): p for p in places} | {p.id.lower(): p for p in places}
    asset_by_id = {a.id.lower(): a for a in assets}
    asset_by_name: dict[str, list] = {}
    for a in assets:
        if a.name:
            asset_by_name.setdefault(a.name.strip().lower(), []).append(a)
    crew_by = {c.name.strip().lower(): c for c in crews} | {c.id.lower(): c for c in crews}
    worked_days = set(range(7)) - (frozenset.intersection(*(frozenset(c.days_off) for c in crews))
                                   if crews else frozenset())
    entries: list[RotaEntry] = []
    errors: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    kinds_in_place: dict[str, set] = {}
    for a in assets:
        if a.place_id:
            kinds_in_place.setdefault(a.place_id, set()).add(a.kind)
    seen_ids: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            code = parse_service(_column(row, "service"), lookup)
            service = services[code]
            asset_ref, place_ref = _column(row, "asset"), _column(row, "place")
            asset = place = None
            if asset_ref:
                asset = asset_by_id.get(asset_ref.lower())
                if asset is None:
                    named = asset_by_name.get(asset_ref.lower(), [])
                    if len(named) > 1:
                        raise ValueError(f"{len(named)} assets are called '{asset_ref}'; give the asset's id")
                    asset = named[0] if named else None
                if asset is None:
                    raise ValueError(f"no asset with the id or name '{asset_ref}'")
                if service.asset_kinds and asset.kind not in service.asset_kinds:
                    raise ValueError(f"'{service.name}' is not done to a {asset.kind.value.replace('_', ' ')} "
                                     f"('{asset_ref}')")
                if asset.place_id is None:
                    raise ValueError(f"asset '{asset_ref}' is in no place; import the places first")
            elif place_ref:
                place = place_by.get(place_ref.lower())
                if place is None:
                    raise ValueError(f"no place called '{place_ref}'")
                if service.asset_kinds and not kinds_in_place.get(place.id, set()) & set(service.asset_kinds):
                    warnings.append((number, f"{place.name} has no assets for '{service.name}' yet; the visit is "
                                     f"planned as one {service.duration_s(None) // 60}-minute stop until they are "
                                     "imported"))
            else:
                raise ValueError("give an asset or a place")
            days = parse_days(_column(row, "days"))
            crew_ref = _column(row, "crew")
            crew = crew_by.get(crew_ref.lower()) if crew_ref else None
            if crew is not None:
                off = sorted(set(days) & set(crew.days_off))
                if off:
                    raise ValueError(f"crew {crew.name} does not work on {format_days(tuple(off))}")
            elif crews:
                never = sorted(set(days) - worked_days)
                if never:
                    raise ValueError(f"no crew works on {format_days(tuple(never))}")
            every = parse_every_weeks(_column(row, "every"))
            anchor_text = _column(row, "anchor")
            anchor = _parse_date(anchor_text) if anchor_text else None
            if every > 1 and anchor is None:
                raise ValueError(f"every {every} weeks needs the date of one visit (a first_visit column) to "
                                 "fix which weeks")
            months = parse_months(_column(row, "months"))
            entry_id = _column(row, "id") or f"rota-{number:05d}"
            if entry_id in seen_ids:
                raise ValueError(f"the id '{entry_id}' is used twice")
            seen_ids.add(entry_id)
            entries.append(RotaEntry(
                id=entry_id, service=code, asset_id=asset.id if asset else None,
                place_id=None if asset else place.id, weekdays=days, every_weeks=every, anchor=anchor,
                months=months, crew=crew.name if crew else crew_ref,
            ))
        except ValueError as exc:
            errors.append((number, str(exc)))
    return RotaImport(tuple(entries), tuple(errors), warnings=tuple(warnings))


def import_rota(db, path: Path, *, strict: bool = True) -> RotaImport:
    """Parse and store a rota sheet: the rota lines of the services it names are replaced by its rows."""
    parsed = parse_rota(db, path)
    if parsed.errors and strict:
        raise UserError(describe_errors(Path(path).name, parsed.errors))
    if not parsed.entries:
        raise UserError(f"{Path(path).name} has no rota rows that could be read; nothing was changed")
    codes = {e.service for e in parsed.entries}
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        stored = uow.rota.list()
        old = [e for e in stored if e.service in codes]
        new_ids = {e.id for e in parsed.entries}
        others = {e.id for e in stored if e.service not in codes}
        clash = sorted(new_ids & others)
        if clash:
            raise UserError(f"rota id '{clash[0]}' is already used by a line of another service; "
                            "give the rows other ids or leave the id column empty")
        for e in old:
            uow.rota.delete(e.id)
        uow.rota.add_all(parsed.entries)
        uow.commit()
    return RotaImport(parsed.entries, parsed.errors, replaced=len(old), warnings=parsed.warnings)


def place_rota(db, place: str) -> list[dict[str, str]]:
    """One place's rota lines (its own and its assets') in the sheet's shape, for the desktop to edit: services
    and assets by name (an asset whose name another asset shares keeps its id)."""
    with db.unit_of_work() as uow:
        p = next((x for x in uow.places.list() if x.id == place or x.name.lower() == place.lower()), None)
    if p is None:
        raise UserError(f"there is no place called '{place}'")
    with db.unit_of_work() as uow:
        services = uow.settings.load().services()
        everywhere = uow.assets.list()
    assets = {a.id: a for a in everywhere if a.place_id == p.id}
    names = [a.name.lower() for a in everywhere if a.name]
    out = []
    for r in rota_rows(db):
        if r["place"] != p.name:
            continue
        asset = assets.get(r["asset"])
        if asset is not None and asset.name and names.count(asset.name.lower()) == 1:
            r = {**r, "asset": asset.name}
        out.append({**r, "service": services[r["service"]].name if r["service"] in services else r["service"]})
    return out


def replace_place_rota(db, place: str, rows: list[dict[str, str]]) -> RotaImport:
    """Replace one place's rota lines with `rows` (every row must be about that place); all or nothing."""
    with db.unit_of_work() as uow:
        p = next((x for x in uow.places.list() if x.id == place or x.name.lower() == place.lower()), None)
        if p is None:
            raise UserError(f"there is no place called '{place}'")
        asset_ids = {a.id for a in uow.assets.list(place_id=p.id)}
    rows = [{**r, "place": r.get("place") or ("" if r.get("asset") else p.name),
             "id": r.get("id") or new_id("rota")} for r in rows]
    parsed = parse_rota_rows(db, rows) if rows else RotaImport((), ())
    if parsed.errors:
        raise UserError(describe_errors(f"The rota of {p.name}", parsed.errors).replace(
            "(fix them, or pass --skip-bad-rows)", "(fix them and save again)"))
    stray = [e for e in parsed.entries if (e.place_id and e.place_id != p.id) or (e.asset_id and e.asset_id
                                                                                  not in asset_ids)]
    if stray:
        raise UserError(f"rota line {stray[0].id} is not about {p.name}; edit it from its own place")
    with db.unit_of_work() as uow:
        access.require(uow, access.CHANGE_DISTRICT)
        stored = uow.rota.list()
        mine = [e for e in stored if e.place_id == p.id or e.asset_id in asset_ids]
        taken = {e.id for e in stored} - {e.id for e in mine}
        entries = [e if e.id not in taken else dataclasses.replace(e, id=new_id("rota")) for e in parsed.entries]
        for e in mine:
            uow.rota.delete(e.id)
        uow.rota.add_all(entries)
        uow.commit()
    return RotaImport(tuple(entries), (), replaced=len(mine), warnings=parsed.warnings)


def describe_errors(name: str, errors: tuple[tuple[int, str], ...], limit: int = 10) -> str:
    shown = "; ".join(f"row {n}: {msg}" for n, msg in errors[:limit])
    more = f"; and {len(errors) - limit} more" if len(errors) > limit else ""
    return (f"{name} has {len(errors)} row{'s' if len(errors) != 1 else ''} that cannot be read ({shown}{more}); "
            "nothing was imported (fix them, or pass --skip-bad-rows)")


def rota_rows(db) -> list[dict[str, str]]:
    """The stored rota in the sheet's shape, one row per entry, place and asset by name where unique."""
    with db.unit_of_work() as uow:
        rota = uow.rota.list()
        places = {p.id: p for p in uow.places.list()}
        assets = {a.id: a for a in uow.assets.list()}
    rows = []
    for e in sorted(rota, key=lambda e: (e.service, e.id)):
        asset = assets.get(e.asset_id) if e.asset_id else None
        place = places.get(e.place_id or (asset.place_id if asset else "") or "")
        anchor = e.anchor
        if anchor is None and e.every_weeks > 1:
            anchor = _first_week_of_cycle(e)
        rows.append({
            "id": e.id, "service": e.service, "place": place.name if place else "",
            "asset": asset.id if asset else "", "days": format_days(e.weekdays),
            "every_weeks": str(e.every_weeks), "first_visit": anchor.isoformat() if anchor else "",
            "months": format_months(e.months), "crew": e.crew,
        })
    return rows


def _first_week_of_cycle(e: RotaEntry) -> dt.date:
    """An entry kept by ISO week number (no anchor date): the first day of a week of its cycle."""
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    while not e.runs_in_week(monday):
        monday += dt.timedelta(days=7)
    return monday + dt.timedelta(days=min(e.weekdays))


def export_rota(db, out: Path) -> int:
    """Write the rota as CSV (or XLSX) in the shape it is imported in; returns the number of rows."""
    rows = rota_rows(db)
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError(f"the folder {out.parent} does not exist")
    if out.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Rota"
        sheet.append(list(EXPORT_COLUMNS))
        for r in rows:
            sheet.append([r[c] for c in EXPORT_COLUMNS])
        book.save(out)
    else:
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(EXPORT_COLUMNS))
            w.writeheader()
            w.writerows(rows)
    return len(rows)


__all__ = ["RotaImport", "describe_errors", "export_rota", "import_rota", "parse_rota", "parse_rota_rows",
           "place_rota", "replace_place_rota", "rota_rows"]
