"""The historic rota as tasks: what a fixed schedule does in a week, whatever the need.

This is the baseline a needs-based trial is compared with, so it must be exactly what the rota says: every
entry on each of its weekdays in the weeks of its cycle, grass only in the cutting season, each task due on
its own day (a rota has no slack).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

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
    """A fortnightly (or n-weekly) entry runs when the ISO week number modulo its cycle is its offset."""
    every = max(1, int(entry.every_weeks))
    return week_start.isocalendar().week % every == entry.week_offset % every


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


def rota_tasks(
    entries: Iterable[RotaEntry],
    assets: Mapping[str, Asset],
    places: Mapping[str, Place],
    services: Mapping[str, ServiceType],
    week_start: dt.date,
    settings: Settings,
) -> list[Task]:
    """One task per entry per listed weekday in the ISO week starting on `week_start` (a Monday).

    A place-level entry (no asset) is one task for the place whose duration covers all the place's assets
    the service applies to. Unknown services, assets or places are refused with a clear message, because a
    rota pointing at nothing would silently plan no work.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"the planning week must start on a Monday, not {week_start:%A %d %B %Y}")
    tasks: list[Task] = []
    for entry in sorted(entries, key=lambda e: e.id):
        if not entry_runs_in_week(entry, week_start):
            continue
        service = services.get(entry.service)
        if service is None:
            raise ValueError(f"rota entry {entry.id} names unknown service '{entry.service}'")
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
        grass = is_grass_service(service)
        for weekday in sorted(set(entry.weekdays)):
            day = week_start + dt.timedelta(days=int(weekday))
            if grass and not in_grass_season(day, settings):
                continue
            tasks.append(
                Task(
                    id=f"rota:{entry.id}:{day.isoformat()}",
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
                    note=f"rota entry {entry.id}",
                )
            )
    return tasks


__all__ = ["GRASS_SERVICES", "TYPICAL_BIN_FILL", "entry_runs_in_week", "in_grass_season", "rota_tasks"]
