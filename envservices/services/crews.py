"""Crews and the depots they work from, imported from the spreadsheets councils already keep.

A council starting with envservices has its workforce in a spreadsheet, not a GIS: one row per crew with its
people, their skills, the vehicle and the shift. Reading is split from storing (as for survey sheets) so the
user sees every bad row, by number and reason, before anything is written; storing is one transaction.
Depots come first (a crew names its depot), from a sheet of names with eastings and northings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from envservices.domain import (
    BNG_EPSG,
    Break,
    Crew,
    CrewMember,
    Site,
    SiteKind,
    Skill,
    Vehicle,
    VehicleKind,
    new_id,
)
from envservices.domain.limits import BNG_VALID_AREA_M, check
from envservices.domain.settings import Settings
from envservices.domain.waste import Stream, parse_compartments
from envservices.errors import UserError
from envservices.services.concurrency import retry_busy
from envservices.services.sheets import column_key, read_rows

if TYPE_CHECKING:
    from pyproj import Transformer  # imported where used: 30-60 ms of every desktop start

__all__ = [
    "CREW_COLUMNS",
    "DEPOT_COLUMNS",
    "CrewRow",
    "CrewsPreview",
    "DepotsPreview",
    "import_crews",
    "import_depots",
    "import_file",
    "parse_crews_csv",
    "parse_depots_csv",
]

CREW_COLUMNS = ("name", "depot", "members")
DEPOT_COLUMNS = ("name",)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_DAYS_OFF = frozenset({5, 6})
DEFAULT_BREAKS = (Break(10 * 3600, 12 * 3600 + 30 * 60, 30 * 60),)
# A crew that can mow carries a mower, and so on: used when the sheet leaves the equipment column empty.
EQUIPMENT_FOR_SKILL = {
    Skill.MOWING: "mower",
    Skill.STRIMMING: "strimmer",
    Skill.MECHANICAL_SWEEP: "sweeper",
    Skill.HEDGE: "hedge_cutter",
}
# Words councils use in rota spreadsheets for the skills of the catalogue.
SKILL_WORDS = {
    "litter_picking": Skill.LITTER_PICK,
    "litter": Skill.LITTER_PICK,
    "bins": Skill.BIN_EMPTY,
    "bin_emptying": Skill.BIN_EMPTY,
    "mow": Skill.MOWING,
    "strim": Skill.STRIMMING,
    "sweeping": Skill.MECHANICAL_SWEEP,
    "sweeper": Skill.MECHANICAL_SWEEP,
    "hedges": Skill.HEDGE,
    "hedge_cutting": Skill.HEDGE,
    "shrubs": Skill.SHRUB,
    "shrub_beds": Skill.SHRUB,
    "fly_tipping": Skill.FLY_TIP,
    "flytip": Skill.FLY_TIP,
    "driving": Skill.DRIVER,
}
VEHICLE_WORDS = {
    "tipper": VehicleKind.CAGED_TIPPER,
    "caged": VehicleKind.CAGED_TIPPER,
    "van": VehicleKind.VAN_WITH_TRAILER,
    "van_and_trailer": VehicleKind.VAN_WITH_TRAILER,
    "compact_sweeper": VehicleKind.SWEEPER,
    "rcv": VehicleKind.REFUSE_VEHICLE,
}
_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?$")
_BNG_BOX_M = BNG_VALID_AREA_M


@dataclass(frozen=True)
class CrewRow:
    """One crew read from the sheet, with the vehicle it brings (None for a crew on foot)."""

    crew: Crew
    vehicle: Vehicle | None


@dataclass(frozen=True)
class CrewsPreview:
    """What a crews sheet would add, and each row that cannot be read (1 = first row below the header)."""

    rows: tuple[CrewRow, ...]
    errors: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class DepotsPreview:
    """What a depots sheet would add (depots and tips), and each row that cannot be read."""

    rows: tuple[Site, ...]
    errors: tuple[tuple[int, str], ...]




def _time_s(text: str, column: str) -> int:
    """Seconds after midnight of '07:00', '7:30', '0730' or '7'."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"'{column}' must be a time like 07:30, not '{text}'")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"'{column}' must be a time like 07:30, not '{text}'")
    return hours * 3600 + minutes * 60


def _number(text: str, column: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"'{column}' must be a number, not '{text}'") from None
    if not math.isfinite(value):
        raise ValueError(f"'{column}' must be a number, not '{text}'")
    return value


def _skill(word: str) -> Skill:
    key = column_key(word)
    try:
        return Skill(key)
    except ValueError:
        pass
    if key in SKILL_WORDS:
        return SKILL_WORDS[key]
    raise ValueError(f"'{word.strip()}' is not a skill ({', '.join(s.value for s in Skill)})")


def _skills(text: str) -> frozenset[Skill]:
    return frozenset(_skill(w) for w in re.split(r"[;,|/]", text) if w.strip())


def _members(text: str, crew_skills: frozenset[Skill]) -> tuple[CrewMember, ...]:
    """'Alan Baker; Beth Clarke (driver, mowing)': a person's own skills in brackets, else the crew's."""
    members = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        match = re.match(r"^(.*?)\s*\((.*)\)\s*$", part)
        name, own = (match.group(1).strip(), _skills(match.group(2))) if match else (part, frozenset())
        if not name:
            raise ValueError(f"a member in '{text}' has no name")
        members.append(CrewMember(name, own or crew_skills))
    if not members:
        raise ValueError("'members' is empty: name the people of the crew, separated by ';'")
    return tuple(members)


def _breaks(text: str) -> tuple[Break, ...]:
    """'30 min 11:00-12:30' (several separated by ';'), 'none', or empty for the usual lunch break."""
    if not text:
        return DEFAULT_BREAKS
    if column_key(text) in ("none", "no", "0"):
        return ()
    breaks = []
    for part in text.split(";"):
        if not part.strip():
            continue
        times = re.findall(r"\d{1,2}:\d{2}", part)
        rest = re.sub(r"\d{1,2}:\d{2}", " ", part)
        minutes = re.findall(r"\d+", rest)
        if len(times) != 2 or len(minutes) != 1:
            raise ValueError(f"'break' must read like '30 min 11:00-12:30', not '{part.strip()}'")
        earliest, latest = _time_s(times[0], "break"), _time_s(times[1], "break")
        if latest < earliest:
            raise ValueError(f"the break window {times[0]}-{times[1]} ends before it starts")
        duration_min = check(float(minutes[0]), "break_min", "break")
        breaks.append(Break(earliest, latest, int(duration_min) * 60))
    return tuple(breaks)


def _days_off(text: str) -> frozenset[int]:
    """'Sat; Sun', 'Saturday, Sunday', 'none', or empty for the weekend."""
    if not text:
        return DEFAULT_DAYS_OFF
    if column_key(text) in ("none", "no"):
        return frozenset()
    days = set()
    for word in re.split(r"[;,|/\s]+", text.strip().lower()):
        if not word:
            continue
        found = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 2 and day.startswith(word)]
        if len(found) != 1:
            raise ValueError(f"'{word}' in 'days_off' is not a day of the week (Mon, Tue, ... Sun)")
        days.add(found[0])
    if len(days) == 7:
        raise ValueError("'days_off' names every day of the week: the crew would never work")
    return frozenset(days)


def _vehicle_kind(text: str) -> VehicleKind:
    key = column_key(text)
    try:
        return VehicleKind(key)
    except ValueError:
        pass
    if key in VEHICLE_WORDS:
        return VEHICLE_WORDS[key]
    raise ValueError(f"'{text}' is not a kind of vehicle ({', '.join(v.value for v in VehicleKind)})")


def _equipment(text: str, skills: frozenset[Skill], known: frozenset[str]) -> frozenset[str]:
    if not text:
        return frozenset(EQUIPMENT_FOR_SKILL[s] for s in skills if s in EQUIPMENT_FOR_SKILL)
    items = frozenset(column_key(w) for w in re.split(r"[;,|/]", text) if w.strip())
    unknown = sorted(items - known)
    if unknown:
        raise ValueError(f"'{', '.join(unknown)}' is not equipment any service needs "
                         f"({', '.join(sorted(known))})")
    return items


def _refuse_equipment(compartments) -> frozenset[str]:
    """What a refuse vehicle brings for the rounds' tasks (`rounds.week.VEHICLE_EQUIPMENT`): a food vehicle for
    a body that takes only food, else an RCV (a split recycling body and food pod is an RCV)."""
    from envservices.rounds.week import VEHICLE_EQUIPMENT

    streams = {s for c in compartments for s in c.streams}
    if compartments and all(c.streams for c in compartments) and len(streams) == 1:
        return frozenset({VEHICLE_EQUIPMENT.get(Stream(next(iter(streams))), "rcv")})
    return frozenset({"rcv"})


def _crew_row(row: dict[str, str], depot_by: dict[str, Site], known_equipment: frozenset[str]) -> CrewRow:
    name = row.get("name", "")
    if not name:
        raise ValueError("'name' is empty")
    depot = depot_by.get(row.get("depot", "").lower())
    if depot is None:
        known = ", ".join(sorted({d.name for d in depot_by.values()})) or "none yet: import the depots first"
        raise ValueError(f"there is no depot called '{row.get('depot', '')}' (depots: {known})")
    crew_skills = _skills(row.get("skills", ""))
    members = _members(row.get("members", ""), crew_skills)
    skills = frozenset().union(*(m.skills for m in members))
    if not skills:
        raise ValueError("the crew has no skills: fill 'skills' or give each member's skills in brackets")
    shift_start = _time_s(row.get("shift_start") or "07:00", "shift_start")
    shift_end = _time_s(row.get("shift_end") or "15:30", "shift_end")
    if shift_end <= shift_start:
        raise ValueError(f"the shift ends ({row.get('shift_end')}) before it starts "
                         f"({row.get('shift_start')})")
    check((shift_end - shift_start) / 3600, "shift_hours", "the shift's length")
    breaks = _breaks(row.get("break", ""))
    for b in breaks:
        if b.earliest_s < shift_start or b.latest_s + b.duration_s > shift_end:
            raise ValueError("the break must fall inside the shift")
    vehicle = None
    kind_text = row.get("vehicle_kind", "")
    if kind_text:
        kind = _vehicle_kind(kind_text)
        capacity_text = row.get("capacity_l", "")
        if not capacity_text:
            raise ValueError("'capacity_l' is empty: give the vehicle's load space in litres")
        capacity_l = check(_number(capacity_text, "capacity_l"), "vehicle_capacity_l", "capacity_l")
        compartments = parse_compartments(row.get("compartments", ""), capacity_l)
        equipment = _equipment(row.get("equipment", ""), skills, known_equipment)
        if kind is VehicleKind.REFUSE_VEHICLE and not row.get("equipment"):
            equipment |= _refuse_equipment(compartments)
        vehicle = Vehicle(
            id=new_id("vehicle"),
            name=row.get("vehicle_name") or f"{kind.value.replace('_', ' ')} of {name}",
            kind=kind,
            capacity_l=capacity_l,
            equipment=equipment,
            compartments=compartments,
        )
    elif row.get("compartments"):
        raise ValueError(f"'compartments' is '{row['compartments']}' but the crew has no vehicle: "
                         "fill 'vehicle_kind' and 'capacity_l'")
    crew = Crew(
        id=new_id("crew"),
        name=name,
        depot_id=depot.id,
        vehicle_id=vehicle.id if vehicle else None,
        members=members,
        shift_start_s=shift_start,
        shift_end_s=shift_end,
        breaks=breaks,
        days_off=_days_off(row.get("days_off", "")),
    )
    return CrewRow(crew=crew, vehicle=vehicle)


def parse_crews_csv(db, path: Path) -> CrewsPreview:
    """Read a crews sheet: name, depot, members, and skills, vehicle_kind, capacity_l, shift_start, shift_end,
    break, days_off, with optional vehicle_name, equipment and compartments (a split body, e.g.
    'recycling:75%; food:25%', read by `domain.waste.parse_compartments`). Depots are matched by name (or id).
    """
    rows = read_rows(Path(path), CREW_COLUMNS)
    with db.unit_of_work() as uow:
        depots = uow.sites.list(kind=SiteKind.DEPOT)
        taken = {c.name.lower() for c in uow.crews.list()}
    depot_by = {d.id.lower(): d for d in depots} | {d.name.lower(): d for d in depots}
    from envservices.rounds.week import VEHICLE_EQUIPMENT

    known_equipment = frozenset(s.equipment for s in Settings().services().values() if s.equipment) | {
        "rcv", *VEHICLE_EQUIPMENT.values()}
    good: list[CrewRow] = []
    errors: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        try:
            item = _crew_row(row, depot_by, known_equipment)
            if item.crew.name.lower() in taken:
                raise ValueError(f"a crew called '{item.crew.name}' already exists")
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        taken.add(item.crew.name.lower())
        good.append(item)
    return CrewsPreview(rows=tuple(good), errors=tuple(errors))


def import_crews(db, preview: CrewsPreview) -> int:
    """Store the good rows of a previewed crews sheet, with their vehicles, in one transaction."""
    with db.unit_of_work() as uow:
        depot_ids = {d.id for d in uow.sites.list(kind=SiteKind.DEPOT)}
        taken = {c.name.lower() for c in uow.crews.list()}
        for item in preview.rows:
            if item.crew.depot_id not in depot_ids:
                raise UserError(f"the depot of crew '{item.crew.name}' was deleted since the sheet was read")
            if item.crew.name.lower() in taken:
                raise UserError(f"a crew called '{item.crew.name}' was added since the sheet was read")
        uow.vehicles.add_all([item.vehicle for item in preview.rows if item.vehicle is not None])
        uow.crews.add_all([item.crew for item in preview.rows])
        uow.commit()
    return len(preview.rows)


def _point(row: dict[str, str], to_bng: Transformer):
    """A depot's position in British National Grid from easting/northing or longitude/latitude."""
    from shapely.geometry import Point

    if row.get("easting") and row.get("northing"):
        x, y = _number(row["easting"], "easting"), _number(row["northing"], "northing")
    elif row.get("longitude") and row.get("latitude"):
        x, y = to_bng.transform(_number(row["longitude"], "longitude"), _number(row["latitude"], "latitude"))
    else:
        raise ValueError("give 'easting' and 'northing' (or 'longitude' and 'latitude')")
    x0, y0, x1, y1 = _BNG_BOX_M
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise ValueError(f"E {x:.0f} N {y:.0f} is outside Great Britain")
    return Point(x, y)


def parse_depots_csv(db, path: Path) -> DepotsPreview:
    """Read a depots sheet: name, easting, northing (or longitude, latitude), and optional kind (depot or
    tip), opens, closes and unload_min (minutes to tip a load).
    """
    rows = read_rows(Path(path), DEPOT_COLUMNS)
    with db.unit_of_work() as uow:
        taken = {(s.kind, s.name.lower()) for s in uow.sites.list()}
    from pyproj import Transformer

    to_bng = Transformer.from_crs(4326, BNG_EPSG, always_xy=True)
    good: list[Site] = []
    errors: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        try:
            name = row.get("name", "")
            if not name:
                raise ValueError("'name' is empty")
            try:
                kind = SiteKind(column_key(row.get("kind") or "depot"))
            except ValueError:
                raise ValueError(f"'kind' must be depot or tip, not '{row.get('kind')}'") from None
            if (kind, name.lower()) in taken:
                raise ValueError(f"a {kind.value} called '{name}' already exists")
            open_s = _time_s(row.get("opens") or "06:00", "opens")
            close_s = _time_s(row.get("closes") or "18:00", "closes")
            if close_s <= open_s:
                raise ValueError(f"the {kind.value} closes ({row.get('closes')}) before it opens "
                                 f"({row.get('opens')})")
            unload_min = check(_number(row.get("unload_min") or "15", "unload_min"), "unload_min")
            site = Site(id=new_id(kind.value), kind=kind, name=name, geometry=_point(row, to_bng),
                        open_s=open_s, close_s=close_s, unload_s=round(unload_min * 60))
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        taken.add((kind, name.lower()))
        good.append(site)
    return DepotsPreview(rows=tuple(good), errors=tuple(errors))


def import_depots(db, preview: DepotsPreview) -> int:
    """Store the good rows of a previewed depots sheet in one transaction."""
    with db.unit_of_work() as uow:
        uow.sites.add_all(preview.rows)
        uow.commit()
    return len(preview.rows)


def import_file(db, path: Path, *, kind: str, strict: bool = True) -> dict:
    """Read and store a depots or crews sheet in one step (the command line's `import --kind crews`).

    With strict (the default) a sheet with any bad row is refused whole, naming the first rows and reasons;
    otherwise the good rows are stored and the bad ones reported.
    """
    key = column_key(kind).rstrip("s")
    if key not in ("depot", "crew", "site"):
        raise UserError(f"'{kind}' is not a kind of sheet this reads; use depots or crews")
    preview = parse_crews_csv(db, path) if key == "crew" else parse_depots_csv(db, path)
    if strict and preview.errors:
        shown = "; ".join(f"row {n}: {reason}" for n, reason in preview.errors[:5])
        more = f" and {len(preview.errors) - 5} more" if len(preview.errors) > 5 else ""
        raise UserError(f"{Path(path).name} was not imported: {shown}{more}")
    stored = retry_busy(lambda: import_crews(db, preview) if key == "crew" else import_depots(db, preview))
    return {"file": str(path), "kind": "crews" if key == "crew" else "depots", "imported": stored,
            "problems": [{"row": n, "reason": reason} for n, reason in preview.errors]}
