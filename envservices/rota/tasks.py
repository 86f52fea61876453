"""The historic rota as tasks: what a fixed schedule does in a week, whatever the need.

This is the baseline a needs-based trial is compared with, so it must be exactly what the rota says: every
entry on each of its weekdays in the weeks of its cycle, grass only in the cutting season, each task due on
its own day (a rota has no slack).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from envservices.domain.calendar import WorkCalendar
from envservices.domain.model import Asset, Place, RotaEntry, ServiceType, Skill, Task, Urgency
from envservices.domain.settings import Settings

TYPICAL_BIN_FILL = 0.6
"""Share of a bin's capacity a rota crew typically lifts: a fixed round finds bins part full."""

GRASS_SERVICES = frozenset({"mow", "verge_cut"})
"""Services that only run in the grass-cutting season."""


def in_grass_season(day: dt.date, settings: Settings) -> bool:
    """True when grass is cut on this day (season months from settings, inclusive)."""
    return settings.grass_season_start_month <= day.month <= settings.grass_season_end_month


def is_grass_service(service: ServiceType) -> bool:
    """Mowing and verge cutting stop outside the season, whatever the rota says."""
    return service.code in GRASS_SERVICES or service.skill in (Skill.MOWING, Skill.STRIMMING)


def entry_runs_in_week(entry: RotaEntry, week_start: dt.date) -> bool:
    """A fortnightly (or n-weekly) entry runs in the weeks of its cycle (see RotaEntry.runs_in_week)."""
    return entry.runs_in_week(week_start)


def representative_point(asset: Asset | None, place: Place | None) -> tuple[float, float]:
    """Where a crew goes for the work: a point on the asset, else inside the place."""
    geom = asset.geometry if asset is not None else (place.geometry if place is not None else None)
    if geom is None:
        raise ValueError("a rota entry needs an asset or a place with a geometry")
    p = geom.representative_point() if geom.geom_type != "Point" else geom
    return float(p.x), float(p.y)


def work_volume_l(service: ServiceType, asset: Asset | None, fill_share: float = TYPICAL_BIN_FILL) -> float:
    """Litres the vehicle takes on: a bin's lifted contents, or the service's volume per unit."""
    if asset is not None and asset.kind.is_bin and asset.capacity_l:
        return float(asset.capacity_l) * fill_share
    return service.volume_l_per_unit * service.units(asset)


def place_assets_for(service: ServiceType, place_id: str, assets: Mapping[str, Asset]) -> list[Asset]:
    """The assets of a place a place-level entry covers: those of kinds the service applies to."""
    return sorted(
        (a for a in assets.values() if a.place_id == place_id and a.kind in service.asset_kinds),
        key=lambda a: a.id,
    )


def occurrences(entry: RotaEntry, service: ServiceType, week_start: dt.date,
                calendar: WorkCalendar | None = None) -> list[tuple[dt.date, dt.date]]:
    """(day worked, day the rota says) for each visit of `entry` that falls in the week.

    Visits in the entry's months and the service's months only; a visit due on a bank holiday or council
    exception day moves by the service's holiday rule, so work from last week's Friday holiday can land on
    this Monday. A moved visit that lands on a day the entry already works is merged into it.
    """
    starts = [week_start] if calendar is None else [week_start - dt.timedelta(days=7), week_start]
    out: dict[dt.date, dt.date] = {}
    moved: list[tuple[dt.date, dt.date]] = []
    for start in starts:
        if not entry.runs_in_week(start):
            continue
        for weekday in sorted(set(entry.weekdays)):
            day = start + dt.timedelta(days=int(weekday))
            if not service.allowed_in(day) or (entry.months and day.month not in entry.months):
                continue
            target = calendar.move(day, service.holiday_rule) if calendar is not None else day
            if target is None or not (week_start <= target < week_start + dt.timedelta(days=7)):
                continue
            if target == day:
                out[target] = day
            else:
                moved.append((target, day))
    for target, day in moved:
        out.setdefault(target, day)
    return sorted(out.items())


def rota_tasks(
    entries: Iterable[RotaEntry],
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    services: Mapping[str, ServiceType],
    week_start: dt.date,
    settings: Settings,
    calendar: WorkCalendar | None = None,
) -> list[Task]:
    """One task per entry per visit in the ISO week starting on `week_start` (a Monday).

    A place-level entry (no asset) is one task for the place whose duration covers all the place's assets
    the service applies to. Unknown services, assets or places are refused with a clear message, because a
    rota pointing at nothing would silently plan no work. With a `calendar`, visits on bank holidays move by
    the service's holiday rule and say so in their note.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"the planning week must start on a Monday, not {week_start:%A %d %B %Y}")
    tasks: list[Task] = []
    for entry in sorted(entries, key=lambda e: e.id):
        service = services.get(entry.service)
        if service is None:
            raise ValueError(f"rota entry {entry.id} names unknown service '{entry.service}'")
        visits = occurrences(entry, service, week_start, calendar)
        if not visits:
            continue
        asset = None
        if entry.asset_id is not None:
            asset = assets.get(entry.asset_id)
            if asset is None:
                raise ValueError(f"rota entry {entry.id} names unknown asset '{entry.asset_id}'")
        place_id = asset.place_id if asset is not None and asset.place_id else entry.place_id
        if place_id is None:
            raise ValueError(f"rota entry {entry.id} has neither a placed asset nor a place")
        place = places.get(place_id)
        if asset is not None:
            duration_s = service.duration_s(asset)
            volume_l = work_volume_l(service, asset)
        else:
            covered = place_assets_for(service, place_id, assets)
            if covered:
                duration_s = sum(service.duration_s(a) for a in covered)
                volume_l = sum(work_volume_l(service, a) for a in covered)
            else:
                duration_s = service.duration_s(None)
                volume_l = work_volume_l(service, None)
        x_m, y_m = representative_point(asset, place)
        for day, rota_day in visits:
            note = f"rota entry {entry.id}"
            if rota_day != day and calendar is not None:
                note += f"; moved from {rota_day:%a %d %b} ({calendar.name(rota_day)})"
            tasks.append(
                Task(
                    id=f"rota:{entry.id}:{rota_day.isoformat()}",
                    service=service.code,
                    place_id=place_id,
                    x_m=x_m,
                    y_m=y_m,
                    skill=service.skill,
                    duration_s=int(duration_s),
                    earliest_day=day,
                    latest_day=day,
                    asset_id=asset.id if asset is not None else None,
                    equipment=service.equipment,
                    volume_l=float(volume_l),
                    urgency=Urgency.ROUTINE,
                    source="rota",
                    note=note,
                )
            )
    return tasks


__all__ = ["GRASS_SERVICES", "TYPICAL_BIN_FILL", "entry_runs_in_week", "in_grass_season", "occurrences", "rota_tasks"]
